import type { Severity } from '../../analytics/rules/types.ts';

/**
 * Conditions of the system itself that an operator must hear about: they become alerts with the
 * same lifecycle, notifications and WebSocket feed as rule alerts, one per condition while it
 * lasts, resolved automatically when it clears. Pure functions of what the monitor sampled.
 */
export type SystemAlertKind =
  | 'video_loss' | 'dvr_down' | 'disk_low' | 'disk_full_soon'
  | 'detector_overloaded' | 'analysis_behind' | 'archive_lagging' | 'notification_failing' | 'face_analysis_down';

/** Alerts that are not about one camera are filed under this camera id. */
export const SYSTEM_SUBJECT = 'system';

export interface Condition {
  kind: SystemAlertKind;
  /** what it is about: a camera id, `dvr:<id>`, a channel name, or SYSTEM_SUBJECT */
  subject: string;
  /** the alert's camera: the camera for camera conditions, else SYSTEM_SUBJECT */
  cameraId: string;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
}

/** One key per condition instance: while a condition with this key holds, it is one alert. */
export const conditionKey = (c: Pick<Condition, 'kind' | 'subject'>): string => `${c.kind}:${c.subject}`;

export const KIND_NAMES: Record<SystemAlertKind, string> = {
  video_loss: 'Video loss',
  dvr_down: 'DVR down',
  disk_low: 'Disk space low',
  disk_full_soon: 'Disk filling up',
  detector_overloaded: 'Detector overloaded',
  analysis_behind: 'Analysis behind live',
  archive_lagging: 'Archive lagging',
  notification_failing: 'Notification channel failing',
  face_analysis_down: 'Face analysis down',
};

export interface CameraRef { id: string; name: string; dvrId?: string }

const seconds = (ms: number): string => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
const cameraLabel = (c: CameraRef): string => (c.name !== c.id ? `${c.name} (${c.id})` : c.id);

/**
 * Video loss per camera after `offlineAfterMs` without video; when every camera of a DVR with
 * more than one camera has lost video, one alert for the DVR replaces theirs (a DVR that reboots
 * is one problem, not eight).
 */
export function videoLoss(i: { now: number; cameras: readonly CameraRef[]; downSince: ReadonlyMap<string, number>; offlineAfterMs: number }): Condition[] {
  const lost = i.cameras.filter((c) => {
    const since = i.downSince.get(c.id);
    return since !== undefined && i.now - since >= i.offlineAfterMs;
  });
  const byDvr = new Map<string, CameraRef[]>();
  for (const c of i.cameras) if (c.dvrId) byDvr.set(c.dvrId, [...(byDvr.get(c.dvrId) ?? []), c]);
  const wholeDvrs = [...byDvr].filter(([, cams]) => cams.length > 1 && cams.every((c) => lost.includes(c)));
  const covered = new Set(wholeDvrs.flatMap(([, cams]) => cams.map((c) => c.id)));
  const out: Condition[] = wholeDvrs.map(([dvrId, cams]) => {
    const since = Math.min(...cams.map((c) => i.downSince.get(c.id)!));
    return {
      kind: 'dvr_down', subject: `dvr:${dvrId}`, cameraId: SYSTEM_SUBJECT, severity: 'critical',
      title: `DVR ${dvrId}: all ${cams.length} cameras without video for ${seconds(i.now - since)}`,
      details: { dvr_id: dvrId, camera_ids: cams.map((c) => c.id), since: new Date(since).toISOString() },
    };
  });
  for (const c of lost) {
    if (covered.has(c.id)) continue;
    const since = i.downSince.get(c.id)!;
    out.push({
      kind: 'video_loss', subject: c.id, cameraId: c.id, severity: 'high',
      title: `Camera ${cameraLabel(c)}: no video for ${seconds(i.now - since)}`,
      details: { since: new Date(since).toISOString(), ...(c.dvrId ? { dvr_id: c.dvrId } : {}) },
    });
  }
  return out;
}

/** Free disk below the floor (retention is deleting footage early), or full within `horizonMs` at the current rate. */
export function diskSpace(i: { freeBytes: number; minFreeBytes: number; bytesPerSecond: number | null; horizonMs: number }): Condition[] {
  const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  if (i.freeBytes < i.minFreeBytes) {
    return [{
      kind: 'disk_low', subject: SYSTEM_SUBJECT, cameraId: SYSTEM_SUBJECT, severity: 'critical',
      title: `Free disk ${gib(i.freeBytes)} is below the ${gib(i.minFreeBytes)} floor: the oldest recordings are being deleted early`,
      details: { free_bytes: i.freeBytes, min_free_bytes: i.minFreeBytes },
    }];
  }
  if (i.bytesPerSecond !== null && i.bytesPerSecond > 0) {
    const fullInMs = ((i.freeBytes - i.minFreeBytes) / i.bytesPerSecond) * 1000;
    if (fullInMs < i.horizonMs) {
      return [{
        kind: 'disk_full_soon', subject: SYSTEM_SUBJECT, cameraId: SYSTEM_SUBJECT, severity: 'high',
        title: `Disk reaches its free-space floor in about ${(fullInMs / 3600_000).toFixed(1)} h at the current rate`,
        details: { free_bytes: i.freeBytes, min_free_bytes: i.minFreeBytes, bytes_per_second: Math.round(i.bytesPerSecond), hours_left: fullInMs / 3600_000 },
      }];
    }
  }
  return [];
}

/** More than `maxPercent` of the frames offered to the detector skipped over the window. */
export function detectorOverload(i: { offered: number; skipped: number; windowMs: number; maxPercent: number }): Condition[] {
  if (i.offered <= 0) return [];
  const percent = (100 * i.skipped) / i.offered;
  if (percent <= i.maxPercent) return [];
  return [{
    kind: 'detector_overloaded', subject: SYSTEM_SUBJECT, cameraId: SYSTEM_SUBJECT, severity: 'medium',
    title: `Detector overloaded: ${percent.toFixed(0)} % of frames skipped over the last ${seconds(i.windowMs)}`,
    details: { offered: i.offered, skipped: i.skipped, percent: Math.round(percent * 10) / 10, max_percent: i.maxPercent },
  }];
}

/** Cameras whose analysis is more than `maxLagSeconds` behind live. */
export function analysisBehind(i: { lagSeconds: ReadonlyMap<string, number>; cameras: readonly CameraRef[]; maxLagSeconds: number }): Condition[] {
  return i.cameras.flatMap((c) => {
    const lag = i.lagSeconds.get(c.id);
    if (lag === undefined || lag <= i.maxLagSeconds) return [];
    return [{
      kind: 'analysis_behind' as const, subject: c.id, cameraId: c.id, severity: 'medium' as const,
      title: `Camera ${cameraLabel(c)}: analysis is ${seconds(lag * 1000)} behind live`,
      details: { lag_seconds: Math.round(lag), max_lag_seconds: i.maxLagSeconds },
    }];
  });
}

/** The archive has not confirmed a copy for longer than `maxAgeSeconds` while segments wait. */
export function archiveLagging(i: { now: number; lastSyncAt: number | null; pendingSegments: number; startedAt: number; maxAgeSeconds: number }): Condition[] {
  if (i.pendingSegments <= 0) return [];
  const since = i.lastSyncAt ?? i.startedAt;
  if (i.now - since <= i.maxAgeSeconds * 1000) return [];
  return [{
    kind: 'archive_lagging', subject: SYSTEM_SUBJECT, cameraId: SYSTEM_SUBJECT, severity: 'medium',
    title: `Archive lagging: ${i.pendingSegments} segments waiting, last copy confirmed ${i.lastSyncAt === null ? 'never' : `${seconds(i.now - i.lastSyncAt)} ago`}`,
    details: { pending_segments: i.pendingSegments, last_sync_at: i.lastSyncAt === null ? null : new Date(i.lastSyncAt).toISOString() },
  }];
}

/** Channels whose latest delivery attempt failed. */
export function notificationFailing(channels: readonly string[]): Condition[] {
  return channels.map((channel) => ({
    kind: 'notification_failing' as const, subject: channel, cameraId: SYSTEM_SUBJECT, severity: 'high' as const,
    title: `Notifications through ${channel} are failing: its latest delivery did not go through`,
    details: { channel },
  }));
}

/** The face models failed to start (`reason`): faces of person tracks are not collected meanwhile. */
export function faceAnalysisDown(reason: string | undefined): Condition[] {
  return reason === undefined ? [] : [{
    kind: 'face_analysis_down', subject: SYSTEM_SUBJECT, cameraId: SYSTEM_SUBJECT, severity: 'high',
    title: `Face analysis is down: ${reason}`,
    details: { reason },
  }];
}
