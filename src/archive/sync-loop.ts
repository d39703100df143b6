import type { Health } from '../core/health.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { Backoff } from '../core/backoff.ts';
import type { Objects } from '../objects/port.ts';
import type { ArchiveRepo } from '../store/repositories/archive.ts';
import type { SegmentRepo } from '../store/repositories/types.ts';
import type { ClipArchiver } from './clip-archive.ts';
import { SEGMENT_STREAM_PREFIX, syncCameraSegments, type SegmentSyncOptions } from './segment-sync.ts';

export interface ArchiveSyncOptions {
  archive: ArchiveRepo;
  segments: SegmentRepo;
  recordingsDir: string;
  cameraIds: string[];
  /** the archive tier */
  target: Objects;
  /** uploads event clips (materialised from the recording) */
  clips: ClipArchiver;
  intervalMs: number;
  retryMaxMs: number;
  health: Health;
  log: Logger;
  batchSize?: number;
}

export interface SyncRoundResult {
  uploaded: number;
  present: number;
  lost: number;
  bytes: number;
  /** some camera had a full batch: run again without waiting */
  more: boolean;
}

/**
 * The archive sync (seed §7.3 tier 1 → tier 2): rounds over every camera's segment cursor, then
 * the event clips, every intervalMs. While the archive is unreachable the round fails,
 * the cursors stay where they are (the lag metrics grow), and it retries with backoff; when the
 * archive returns, the next rounds catch up from the cursors.
 */
export class ArchiveSync {
  private readonly backoff: Backoff;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** closed segments the archive lacks, as of the last round */
  private waiting = 0;

  constructor(private readonly o: ArchiveSyncOptions) {
    this.backoff = new Backoff({ initialMs: 1000, maxMs: o.retryMaxMs, jitter: 0.1 });
  }

  /** One pass: a batch of every camera's segments, then the clips. Throws when the archive fails. */
  async round(): Promise<SyncRoundResult> {
    const total: SyncRoundResult = { uploaded: 0, present: 0, lost: 0, bytes: 0, more: false };
    const opts: SegmentSyncOptions = {
      archive: this.o.archive, segments: this.o.segments, recordingsDir: this.o.recordingsDir, target: this.o.target,
      batchSize: this.o.batchSize, log: this.o.log,
      onCopied: (cameraId, bytes, uploaded) => {
        metrics.archiveLastSync.set({ camera_id: cameraId }, Date.now() / 1000);
        if (uploaded) metrics.archiveUploaded.inc({ bucket: 'video-segments' }, bytes);
      },
    };
    try {
      for (const cameraId of this.o.cameraIds) {
        const r = await syncCameraSegments(opts, cameraId);
        total.uploaded += r.uploaded;
        total.present += r.present;
        total.lost += r.lost;
        total.bytes += r.bytes;
        total.more ||= r.more;
      }
      const clips = await this.o.clips.run((bytes, uploaded) => {
        if (uploaded) metrics.archiveUploaded.inc({ bucket: 'event-clips' }, bytes);
      });
      total.uploaded += clips.uploaded;
      total.bytes += clips.bytes;
      total.more ||= clips.more;
    } finally {
      await this.updateLag();
    }
    return total;
  }

  /** Starts the loop; the first round runs at once. */
  start(): void {
    this.o.health.set('archive', 'starting', 'archive sync starting');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Closed segments per camera that the archive lacks, also published as metrics. */
  async lag(): Promise<Map<string, { segments: number; bytes: number }>> {
    const out = new Map<string, { segments: number; bytes: number }>();
    for (const cameraId of this.o.cameraIds) {
      const cursor = await this.o.archive.cursor(SEGMENT_STREAM_PREFIX + cameraId);
      out.set(cameraId, await this.o.archive.lag(cameraId, cursor?.last_id ?? 0));
      if (cursor) metrics.archiveLastSync.set({ camera_id: cameraId }, cursor.synced_at.getTime() / 1000);
    }
    return out;
  }

  private async updateLag(): Promise<void> {
    try {
      let waiting = 0;
      for (const [cameraId, l] of await this.lag()) {
        metrics.archiveLagSegments.set({ camera_id: cameraId }, l.segments);
        metrics.archiveLagBytes.set({ camera_id: cameraId }, l.bytes);
        waiting += l.segments;
      }
      this.waiting = waiting;
    } catch (err) {
      this.o.log.warn({ err }, 'archive: cannot measure the sync lag');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let next = this.o.intervalMs;
    try {
      const r = await this.round();
      if (this.backoff.failures > 0) this.o.log.info({ failures: this.backoff.failures }, 'archive reachable again: catching up from the cursors');
      this.backoff.reset();
      if (r.uploaded) this.o.log.debug(r, 'archive sync round');
      this.o.health.set('archive', 'healthy', `archive sync: ${this.waiting} closed segments waiting`);
      if (r.more) next = 0;
    } catch (err) {
      metrics.archiveErrors.inc();
      next = this.backoff.next();
      const why = redact(err instanceof Error ? err.message : String(err));
      this.o.health.set('archive', 'degraded', `archive unreachable or failing (${why}); ${this.waiting} segments waiting, retry in ${Math.round(next / 1000)} s`);
      // first failure at warn, repeats at debug: an outage must not flood the log
      this.o.log[this.backoff.failures === 1 ? 'warn' : 'debug']({ err, retry_ms: next }, 'archive sync failed: local footage is kept, retrying');
    }
    this.schedule(next);
  }
}
