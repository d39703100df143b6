import type { Metric } from 'prom-client';
import type { CameraStatus } from '../../core/camera-status.ts';
import { metrics } from '../../core/metrics.ts';
import {
  analysisBehind, archiveLagging, detectorOverload, diskSpace, faceAnalysisDown, notificationFailing, videoLoss,
  type CameraRef, type Condition,
} from './conditions.ts';

export interface SystemSampleLimits {
  offlineAfterMs: number;
  minFreeBytes: number;
  diskFullHorizonMs: number;
  detectorWindowMs: number;
  detectorMaxSkippedPercent: number;
  analysisMaxLagSeconds: number;
  archiveMaxLagSeconds: number;
}

export interface SystemSources {
  cameras: readonly CameraRef[];
  /** the edge role's camera states; undefined where the edge runs in another process (no video-loss alerts here) */
  cameraStatus?: (cameraId: string) => CameraStatus | undefined;
  freeBytes: () => Promise<number>;
  /** channels whose latest delivery failed; undefined when notifications are off */
  failingChannels?: () => Promise<string[]>;
  archiveEnabled: boolean;
  /** seconds each camera's analysis is behind its recording (from the durable cursor: right even while inference is down) */
  analysisLag?: () => Promise<Map<string, number>>;
  /** why the face models are not running, undefined while they are (or face analysis runs in another process) */
  faceAnalysisDown?: () => string | undefined;
  now?: () => number;
}

/** Frames the detector never analysed because it could not keep up (bad frames are not its load). */
const OVERLOAD_REASONS = new Set(['queue_full', 'stale']);
/** How far back the disk growth rate is measured. */
const DISK_RATE_WINDOW_MS = 3600_000;

type Readable = Pick<Metric, 'get'> | undefined;

async function counterSum(metric: Readable, keep: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> {
  if (!metric) return 0;
  return (await metric.get()).values.filter((v) => keep(v.labels)).reduce((n, v) => n + v.value, 0);
}

async function gaugeByCamera(metric: Readable): Promise<Map<string, number>> {
  if (!metric) return new Map();
  return new Map((await metric.get()).values.map((v) => [String(v.labels.camera_id), v.value]));
}

/** A value sampled over time, for rates over a window. */
class Samples {
  private readonly points: Array<{ at: number; value: number }> = [];
  constructor(private readonly windowMs: number) {}

  add(at: number, value: number): void {
    this.points.push({ at, value });
    while (this.points.length > 2 && this.points[1]!.at <= at - this.windowMs) this.points.shift();
  }

  /** change since the oldest point kept and the time it spans */
  delta(): { value: number; ms: number } {
    const first = this.points[0];
    const last = this.points.at(-1);
    return first && last ? { value: last.value - first.value, ms: last.at - first.at } : { value: 0, ms: 0 };
  }
}

/**
 * Samples everything the system conditions are about, each round: camera states (video loss is
 * timed from the first round a camera was seen without video), free disk and its rate, detector
 * skips and analysis lag from the process metrics, archive progress, notification channels.
 */
export function systemSampler(src: SystemSources, limits: SystemSampleLimits): () => Promise<Condition[]> {
  const now = src.now ?? Date.now;
  const startedAt = now();
  const downSince = new Map<string, number>();
  const disk = new Samples(DISK_RATE_WINDOW_MS);
  const offered = new Samples(limits.detectorWindowMs);
  const skipped = new Samples(limits.detectorWindowMs);

  return async () => {
    const t = now();
    const status = src.cameraStatus;
    if (status) {
      for (const c of src.cameras) {
        if (status(c.id)?.state === 'streaming') downSince.delete(c.id);
        else if (!downSince.has(c.id)) downSince.set(c.id, t);
      }
    }
    const free = await src.freeBytes();
    disk.add(t, free);
    const used = disk.delta();
    // a rate needs a few minutes of history; shrinking free space is a positive fill rate
    const bytesPerSecond = used.ms >= 5 * 60_000 ? -used.value / (used.ms / 1000) : null;

    offered.add(t, await counterSum(metrics.framesOffered));
    skipped.add(t, await counterSum(metrics.framesSkipped, (l) => OVERLOAD_REASONS.has(String(l.reason))));

    const archiveLag = src.archiveEnabled ? [...(await gaugeByCamera(metrics.archiveLagSegments)).values()].reduce((a, b) => a + b, 0) : 0;
    const lastSyncs = [...(await gaugeByCamera(metrics.archiveLastSync)).values()].filter((v) => v > 0);

    return [
      ...(status ? videoLoss({ now: t, cameras: src.cameras, downSince, offlineAfterMs: limits.offlineAfterMs }) : []),
      ...diskSpace({ freeBytes: free, minFreeBytes: limits.minFreeBytes, bytesPerSecond, horizonMs: limits.diskFullHorizonMs }),
      ...detectorOverload({ offered: offered.delta().value, skipped: skipped.delta().value, windowMs: limits.detectorWindowMs, maxPercent: limits.detectorMaxSkippedPercent }),
      ...(src.analysisLag ? analysisBehind({ lagSeconds: await src.analysisLag(), cameras: src.cameras, maxLagSeconds: limits.analysisMaxLagSeconds }) : []),
      ...(src.archiveEnabled ? archiveLagging({ now: t, lastSyncAt: lastSyncs.length ? Math.min(...lastSyncs) * 1000 : null, pendingSegments: archiveLag, startedAt, maxAgeSeconds: limits.archiveMaxLagSeconds }) : []),
      ...(src.failingChannels ? notificationFailing(await src.failingChannels()) : []),
      ...faceAnalysisDown(src.faceAnalysisDown?.()),
    ];
  };
}
