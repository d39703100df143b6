import type { BBox } from '../../core/types.ts';
import type { AlertRepo } from './alerts.ts';
import type { AnalysisRepo } from './analysis.ts';
import type { ApiKeyRepo } from './api-keys.ts';
import type { ArchiveRepo } from './archive.ts';
import type { AuthUserRepo } from './auth-users.ts';
import type { ClipRepo } from './clips.ts';
import type { FaceRepo } from './faces.ts';
import type { LeaseRepo } from './leases.ts';
import type { NotificationRepo } from './notifications.ts';
import type { PushSubscriptionRepo } from './push-subscriptions.ts';
import type { SessionRepo } from './sessions.ts';
import type { StorageRepo } from './storage.ts';
import type { UserRepo } from './users.ts';

/** What the roles need from the database. Implementations use parameterised SQL only. */

export interface CameraRow {
  id: string;
  name: string;
  site_id: string;
  dvr_channel: number | null;
  /** always stored redacted */
  rtsp_url: string;
  location: string | null;
  status: string;
  created_at: Date;
}

export interface CameraRepo {
  /** idempotent on id; rtsp_url must already be redacted by the caller */
  upsert(c: { id: string; name: string; siteId: string; dvrChannel?: number | null; rtspUrl: string; location?: string | null; status?: string }): Promise<void>;
  list(): Promise<CameraRow[]>;
  get(id: string): Promise<CameraRow | null>;
  setStatus(id: string, status: string): Promise<void>;
}

export type SegmentStatus = 'open' | 'closed' | 'missing';

export interface SegmentRow {
  id: number;
  camera_id: string;
  start_time: Date;
  end_time: Date | null;
  /** path relative to the recordings dir, e.g. cam_001/20250120/143000_000123.ts */
  path: string;
  bytes: number;
  status: SegmentStatus;
}

export interface GapRow {
  camera_id: string;
  start_time: Date;
  end_time: Date | null;
  cause: string;
  /** why, in one word: a recorder failure kind, 'stopped', 'deleted' (by the storage sweep); null on old rows */
  kind: string | null;
}

export interface SegmentRepo {
  /** idempotent on path: inserts, or updates end_time/bytes/status */
  upsert(s: { cameraId: string; path: string; startTime: Date; endTime: Date | null; bytes: number; status: SegmentStatus }): Promise<void>;
  get(id: number): Promise<SegmentRow | null>;
  /** segments overlapping [from, to), ordered by start_time */
  list(cameraId: string, from: Date, to: Date): Promise<SegmentRow[]>;
  /** the oldest closed segments, for retention (camera optional) */
  oldest(limit: number, cameraId?: string): Promise<SegmentRow[]>;
  /** closed or missing segments of a camera that ended before `before` (retention by age) */
  endedBefore(cameraId: string, before: Date, limit: number): Promise<SegmentRow[]>;
  /** open segments (after a crash these are reconciled with the files) */
  open(cameraId?: string): Promise<SegmentRow[]>;
  remove(path: string): Promise<void>;
  /**
   * removes a segment the storage sweep deleted and records its span as a closed 'deleted' gap with
   * this cause, grown into the deletion gap it touches (deletions go oldest first: one row per run)
   */
  removeDeleted(path: string, cause: string): Promise<void>;
  /** opens a gap (source lost) — idempotent while the gap stays open */
  openGap(cameraId: string, start: Date, cause: string, kind: string): Promise<void>;
  /** closes the open gap of a camera, if any */
  closeGap(cameraId: string, end: Date): Promise<void>;
  gaps(cameraId: string, from: Date, to: Date): Promise<GapRow[]>;
  stats(cameraId: string): Promise<{ segments: number; bytes: number; first: Date | null; last: Date | null }>;
}

export interface EventInput {
  /** natural key: replays of the same track never create a second row */
  eventKey: string;
  cameraId: string;
  eventType: string;
  label: string;
  confidence: number;
  bbox: BBox | null;
  snapshotPath: string | null;
  /**
   * bbox and snapshotPath are one newer view of the event (the box in that snapshot): they replace
   * the stored pair whatever the confidence. Otherwise the most confident call's pair is kept.
   */
  newView?: boolean;
  startTime: Date;
  endTime: Date | null;
  severity?: string | null;
  metadata?: Record<string, unknown>;
  /** found by catch-up from the recording after live analysis missed it (default false) */
  late?: boolean;
  /** a point of the object's path to append to metadata.track (at most MAX_TRACK_POINTS are kept) */
  trackPoint?: TrackPoint;
}

/** Where a tracked object was: capture time (ms since the epoch) and its box centre in source-frame pixels. */
export type TrackPoint = [atMs: number, x: number, y: number];

export interface EventRow {
  id: number;
  event_key: string;
  camera_id: string;
  event_type: string;
  label: string;
  confidence: number;
  bounding_box: BBox | null;
  snapshot_path: string | null;
  /** event-clips object key, once the clip is cut (migration 004) */
  clip_path: string | null;
  start_time: Date;
  end_time: Date | null;
  severity: string | null;
  metadata: Record<string, unknown>;
  /** found by catch-up from the recording rather than live (migration 010) */
  late: boolean;
  created_at: Date;
  /** the stored face of the event's track (face_embeddings.id), null when none was kept */
  face_embedding_id: number | null;
}

export interface EventFilter {
  /** only events of these cameras (undefined = every camera) */
  cameraIds?: readonly string[];
  label?: string;
  from?: Date;
  to?: Date;
  /** only events found by catch-up (true) or live (false) */
  late?: boolean;
  /** only events of this zone (metadata.zone_id of rule events) */
  zoneId?: string;
  limit: number;
  /** opaque cursor from a previous page */
  cursor?: string;
}

export interface EventRepo {
  /** insert or update by eventKey (end_time, confidence = max, snapshot when better); returns the id */
  upsert(e: EventInput): Promise<number>;
  get(id: number): Promise<EventRow | null>;
  /** newest first (start_time desc, id desc); nextCursor null on the last page; throws InvalidCursorError on a bad cursor */
  list(f: EventFilter): Promise<{ items: EventRow[]; nextCursor: string | null }>;
}

export class InvalidCursorError extends Error {}

export interface Repositories {
  cameras: CameraRepo;
  segments: SegmentRepo;
  events: EventRepo;
  archive: ArchiveRepo;
  clips: ClipRepo;
  faces: FaceRepo;
  notifications: NotificationRepo;
  alerts: AlertRepo;
  pushSubscriptions: PushSubscriptionRepo;
  storage: StorageRepo;
  analysis: AnalysisRepo;
  users: UserRepo;
  apiKeys: ApiKeyRepo;
  authUsers: AuthUserRepo;
  sessions: SessionRepo;
  leases: LeaseRepo;
}
