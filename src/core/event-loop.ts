import { rootLogger, type Logger } from './log.ts';
import { metrics } from './metrics.ts';

/**
 * Knows when this process itself was not running: a timer that should tick every TICK_MS and
 * comes late measures a blocked event loop (a long synchronous task, a GC pause, the machine
 * suspended). Watchdogs subtract that time, so a stall of our own is never blamed on a camera
 * and never kills an ffmpeg whose output was simply not read while we were away.
 */
const TICK_MS = 250;
/** lateness below this is ordinary timer jitter */
const STALL_MS = 1000;
/** stalls older than this are forgotten; no watchdog looks further back */
const KEEP_MS = 10 * 60_000;

interface Stall { start: number; end: number }

export class EventLoopWatch {
  private readonly stalls: Stall[] = [];
  private last = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(private readonly log: Logger = rootLogger.child({ component: 'event-loop' })) {}

  start(): void {
    if (this.timer) return;
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(Date.now()), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** one tick at `now`; exposed for tests */
  tick(now: number): void {
    const late = now - this.last - TICK_MS;
    if (late >= STALL_MS) {
      this.stalls.push({ start: this.last + TICK_MS, end: now });
      metrics.eventLoopStalls.inc();
      metrics.eventLoopStalledSeconds.inc(late / 1000);
      this.log.warn({ stalled_ms: late }, `the process was blocked for ${(late / 1000).toFixed(1)} s: watchdogs do not count this time against cameras`);
    }
    while (this.stalls.length > 0 && this.stalls[0]!.end < now - KEEP_MS) this.stalls.shift();
    this.last = now;
  }

  /** Milliseconds of [since, now] during which the process was blocked, as far as the ticks tell. */
  blockedMsSince(since: number, now = Date.now()): number {
    let ms = 0;
    for (const s of this.stalls) ms += Math.max(0, Math.min(s.end, now) - Math.max(s.start, since));
    // a stall still going on (the current task has not yielded since the last tick) counts too
    const current = now - this.last - TICK_MS;
    if (current >= STALL_MS) ms += Math.max(0, now - Math.max(this.last + TICK_MS, since));
    return ms;
  }
}

/** The process's one watch, started by the first watchdog that needs it. */
export const eventLoopWatch = new EventLoopWatch();
