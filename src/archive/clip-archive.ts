import type { ClipMaterialiser } from '../media/clips/materialise.ts';
import { NoFootageError } from '../media/clips/materialise.ts';
import type { Logger } from '../core/log.ts';
import { NotFoundError, type Objects } from '../objects/port.ts';
import type { ClipRepo } from '../store/repositories/clips.ts';
import { confirmCopy } from './verify.ts';

const BATCH = 20;

/**
 * Uploads each event's clip to the archive: clips exist locally only as the recording range they
 * need, so each one is materialised (cut from the segments, into the local clip cache) and copied.
 * Clips are taken in the order they became available (a clip made again for a grown event comes
 * again and is copied again, being of another size). Progress is kept in memory: after a restart
 * the clips of the last `lookbackMs` cost one head each, never a second upload.
 */
export class ClipArchiver {
  private since: Date;
  /** event key → the job's updated_at whose clip is confirmed */
  private confirmed = new Map<string, number>();

  constructor(
    private readonly o: { clips: Pick<ClipRepo, 'doneSince'>; materialiser: ClipMaterialiser; source: Objects; target: Objects; log: Logger; lookbackMs: number; now?: () => number },
  ) {
    this.since = new Date((o.now ?? Date.now)() - o.lookbackMs);
  }

  /** One batch; `more` when a full batch was read. */
  async run(onCopied?: (bytes: number, uploaded: boolean) => void): Promise<{ uploaded: number; bytes: number; more: boolean }> {
    const result = { uploaded: 0, bytes: 0, more: false };
    const jobs = await this.o.clips.doneSince(this.since, BATCH);
    let fresh = 0;
    for (const job of jobs) {
      this.since = job.updated_at;
      if (this.confirmed.get(job.event_key) === job.updated_at.getTime() || !job.clip_key) continue;
      fresh += 1;
      let key: string;
      try {
        key = await this.o.materialiser.materialise({ camera_id: job.camera_id, start_time: job.event_start, end_time: job.event_end, clip_path: job.clip_key });
      } catch (err) {
        if (!(err instanceof NoFootageError)) throw err;
        // the storage budget deleted the footage before the archive could take it: nothing to copy
        this.o.log.warn({ camera_id: job.camera_id, event_id: job.event_id }, 'archive: event clip not archived, its footage is no longer stored');
        this.confirmed.set(job.event_key, job.updated_at.getTime());
        continue;
      }
      const info = await this.o.source.head('event-clips', key);
      if (!info) throw new NotFoundError(`event clip ${key} vanished from the clip cache before its upload`);
      const uploaded = await confirmCopy(this.o.target, 'event-clips', key, info.size, () => this.o.source.stream('event-clips', key), 'video/mp4');
      onCopied?.(info.size, uploaded);
      if (uploaded) {
        result.uploaded += 1;
        result.bytes += info.size;
      }
      this.confirmed.set(job.event_key, job.updated_at.getTime());
    }
    result.more = jobs.length >= BATCH && fresh > 0;
    return result;
  }
}
