import type { Logger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { ClipJobRow } from '../../store/repositories/clips.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { dayDir } from '../ffmpeg-args.ts';
import { clipFootage, noFootage } from './materialise.ts';

export interface ClipSchedulerOptions {
  repos: Pick<Repositories, 'clips' | 'segments'>;
  /** a clip cached before its event grew is dropped from here */
  objects: Objects;
  recordingsDir: string;
  preSeconds: number;
  postSeconds: number;
  /** recording segment length: the post-roll's segment is closed at most this long after it */
  segmentSeconds: number;
  log: Logger;
  pollMs?: number;
  /** the clock (tests) */
  now?: () => number;
}

const POLL_MS = 2000;
const BATCH = 4;
const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 5000;
const RETRY_MAX_MS = 5 * 60_000;
/** while a segment of the clip is still open the job waits, but not beyond this after it was due */
const OPEN_SEGMENT_PATIENCE_MS = 5 * 60_000;
const POSTPONE_MS = 2000;
/** a running job untouched this long belongs to a scheduler that died */
const LEASE_MS = 10 * 60_000;

export const clipKey = (job: Pick<ClipJobRow, 'camera_id' | 'event_id' | 'event_start'>): string =>
  `${job.camera_id}/${dayDir(job.event_start)}/${job.event_id}.mp4`;

class NotReady extends Error {}

/**
 * Makes each event's clip available (events.clip_path, hence clip_url) once its footage, from
 * pre_seconds before it to post_seconds after it, is recorded and its segments closed. No MP4 is
 * cut here: the clip is that range of the recording (the storage budget keeps those segments for
 * storage.evidence_days) and is cut on demand (materialise.ts). Jobs live in the database (a
 * trigger on events creates them), so clips scheduled before a restart are made available after
 * it. Failures (no footage) retry with exponential backoff, then stay `failed`.
 */
export class ClipScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  /** the first claim after a start also takes jobs left `running` by a previous process */
  private staleBefore: () => number;

  constructor(private readonly o: ClipSchedulerOptions) {
    this.now = o.now ?? Date.now;
    this.staleBefore = () => this.now();
  }

  /** Milliseconds after an event's end before its clip can be cut. */
  get waitMs(): number {
    return (this.o.postSeconds + this.o.segmentSeconds) * 1000;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.runDue()
        .catch((err: unknown) => {
          this.o.log.error({ err }, 'event clips: cannot read the job queue');
          return 0;
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? POLL_MS);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  /** Runs every due job now; returns how many clips became available. */
  async runDue(): Promise<number> {
    let stored = 0;
    while (!this.abort.signal.aborted) {
      const now = this.now();
      const jobs = await this.o.repos.clips.claim({ now: new Date(now), endedBefore: new Date(now - this.waitMs), staleBefore: new Date(this.staleBefore()), limit: BATCH });
      this.staleBefore = () => this.now() - LEASE_MS;
      if (!jobs.length) break;
      for (const job of jobs) stored += (await this.run(job)) ? 1 : 0;
    }
    return stored;
  }

  private async run(job: ClipJobRow): Promise<boolean> {
    const { clips } = this.o.repos;
    try {
      const key = await this.ready(job);
      await clips.complete(job, key, new Date(this.now()));
      this.o.log.debug({ camera_id: job.camera_id, event_id: job.event_id, key }, 'event clip available');
      return true;
    } catch (err) {
      const now = this.now();
      if (err instanceof NotReady || this.abort.signal.aborted) {
        await clips.retry(job, new Date(now + POSTPONE_MS), null, new Date(now));
        return false;
      }
      const cause = (err as Error).message;
      if (job.attempts + 1 >= MAX_ATTEMPTS) {
        await clips.fail(job, cause, new Date(now));
        this.o.log.error({ camera_id: job.camera_id, event_id: job.event_id, cause }, `event clip failed ${MAX_ATTEMPTS} times; giving up`);
      } else {
        const delay = Math.min(RETRY_BASE_MS * 2 ** job.attempts, RETRY_MAX_MS);
        await clips.retry(job, new Date(now + delay), cause, new Date(now));
        this.o.log.warn({ camera_id: job.camera_id, event_id: job.event_id, cause, retry_in_ms: delay }, 'event clip failed; will retry');
      }
      return false;
    }
  }

  /** Checks the clip's footage is recorded and drops a clip cached for a shorter span; returns its key. */
  private async ready(job: ClipJobRow): Promise<string> {
    const span = { camera_id: job.camera_id, start_time: job.event_start, end_time: job.event_end };
    const { files, open } = await clipFootage(span, { segments: this.o.repos.segments, recordingsDir: this.o.recordingsDir, preSeconds: this.o.preSeconds, postSeconds: this.o.postSeconds });
    const dueAt = job.event_end.getTime() + this.waitMs;
    if (open.length && this.now() < dueAt + OPEN_SEGMENT_PATIENCE_MS) throw new NotReady();
    if (!files.length) throw noFootage(span, this.o);
    const key = clipKey(job);
    await this.o.objects.delete('event-clips', key);
    return key;
  }
}
