/** A capture-time range of one camera that live analysis did not see: (start, end), both ends exclusive. */
export interface Hole {
  start: Date;
  end: Date;
  cause: string;
  /** the hole covers time before this process started (analysis was down) */
  restart: boolean;
}

/** A capture-time range as log fields (a Date would not survive the log's redaction as a time). */
export const logRange = (from: Date, to: Date): { from: string; to: string } => ({ from: from.toISOString(), to: to.toISOString() });

export interface TimelineOptions {
  /** live_until stored before this process started (null: the camera was never analysed) */
  persisted: Date | null;
  /** half the camera's analysis interval: how far before a first missed frame a hole must reach to include it */
  marginMs: number;
  /** holes reach back at most this far (older recording is not caught up) */
  maxHoleMs: number;
}

/**
 * One camera's live analysis as holes to catch up, in capture order. Between two frames analysed
 * live there is nothing to catch up unless a frame in between was missed (dropped for a full
 * queue, stale, failed); then the whole range between them is a hole. After a restart, the range
 * between the stored live_until and the first frame analysed is one too (inference was down).
 * Pure bookkeeping: the caller stores the holes and live_until.
 */
export class AnalysisTimeline {
  private last: number | undefined;
  private firstAfterStart = true;
  private missedAt: number | undefined;
  private missedCause: string | undefined;

  constructor(private readonly opts: TimelineOptions) {}

  /** A live frame captured at `at` will not be analysed (why: queue_full, stale, failed, …). */
  missed(at: Date, cause: string): void {
    if (this.missedAt !== undefined) return;
    this.missedAt = at.getTime();
    this.missedCause = cause;
  }

  /** A live frame captured at `at` was analysed; returns the hole before it, if any. */
  analysed(at: Date): Hole | undefined {
    const t = at.getTime();
    const restarted = this.firstAfterStart && this.opts.persisted !== null;
    let start: number | undefined;
    let cause: string | undefined;
    if (restarted) {
      start = this.opts.persisted!.getTime();
      cause = 'analysis was not running';
    }
    if (this.missedAt !== undefined) {
      start = Math.min(start ?? Infinity, this.last ?? this.missedAt - 2 * this.opts.marginMs);
      cause = `live frames skipped (${this.missedCause})`;
    }
    this.firstAfterStart = false;
    this.missedAt = undefined;
    this.missedCause = undefined;
    if (this.last !== undefined && t <= this.last) return undefined;
    this.last = t;
    if (start === undefined || cause === undefined || start >= t) return undefined;
    return { start: new Date(Math.max(start, t - this.opts.maxHoleMs)), end: at, cause, restart: restarted };
  }
}

/**
 * analysis_lag_seconds: how far the cursor (oldest unanalysed moment) lies behind `newest`, the
 * newest video seen or recorded; 0 when nothing is behind or the camera was never analysed.
 */
/** the later of two times, either of which may be unknown */
export const newestOf = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

export function analysisLagSeconds(cursor: Date | null, newest: Date | null): number {
  if (!cursor || !newest) return 0;
  return Math.max(0, (newest.getTime() - cursor.getTime()) / 1000);
}
