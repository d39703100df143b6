/**
 * One real-time 25 fps clock for the whole simulator: every playing client of every channel is fed
 * from the same timer, and the timer only runs while someone is playing.
 *
 * When the process cannot run on time (CPU load, a stalled event loop), a tick is late:
 *   - up to MAX_CATCH_UP_FRAMES late, the missed frames are sent at once (a burst, like a DVR's
 *     socket buffer draining after a network hiccup);
 *   - later than that, the missed frames are dropped and sending resumes at the current frame,
 *     marked not contiguous so each client waits for the next IDR.
 * Either way every frame keeps the RTP timestamp of its clock slot, so stream time stays equal to
 * wall time and sequence numbers stay gap-free: a client sees a late or missing stretch of
 * video, never time running fast, slow or backwards.
 */
import { performance } from 'node:perf_hooks';

/** `contiguous` is false when frames were skipped (event loop stalled): decoders must resync on an IDR. */
export type FrameListener = (frame: number, contiguous: boolean) => void;

/** A tick that ran later than its frame was due. */
export interface ClockLateness {
  lateMs: number;
  /** frames dropped instead of sent (0 when the backlog was sent as a burst) */
  skippedFrames: number;
}

// after a stall longer than this, skip ahead instead of bursting the backlog into every socket
export const MAX_CATCH_UP_FRAMES = 12;

export class FrameClock {
  private readonly listeners = new Set<FrameListener>();
  private readonly origin = performance.now();
  /** wall-clock time (ms since the epoch) of frame 0: frame n is due at originEpochMs + n * 1000 / fps */
  readonly originEpochMs = performance.timeOrigin + this.origin;
  private timer: NodeJS.Timeout | undefined;
  private nextFrame = 0;
  private skipped = 0;

  /** `onLate` hears of every tick that runs a frame or more late (for logs and stats). */
  constructor(
    readonly fps = 25,
    private readonly onLate?: (lateness: ClockLateness) => void,
  ) {}

  /** Frames elapsed since the clock was created; also the basis of every RTP timestamp. */
  current(): number {
    return Math.floor(((performance.now() - this.origin) * this.fps) / 1000);
  }

  /** Playing clients right now (a leak check for tests). */
  get subscribers(): number {
    return this.listeners.size;
  }

  /** Frames dropped so far because the process ran too late to send them. */
  get skippedFrames(): number {
    return this.skipped;
  }

  subscribe(listener: FrameListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.nextFrame = this.current() + 1;
      this.schedule();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private dueAt(frame: number): number {
    return this.origin + (frame * 1000) / this.fps;
  }

  private schedule(): void {
    clearTimeout(this.timer); // a subscribe() from inside a listener must not leave a second timer
    this.timer = setTimeout(this.tick, Math.max(0, this.dueAt(this.nextFrame) - performance.now()));
  }

  private readonly tick = (): void => {
    const now = this.current();
    const behind = now - this.nextFrame;
    let contiguous = true;
    if (behind >= 1) {
      const skippedFrames = behind > MAX_CATCH_UP_FRAMES ? behind : 0;
      this.onLate?.({ lateMs: performance.now() - this.dueAt(this.nextFrame), skippedFrames });
      if (skippedFrames > 0) {
        this.skipped += skippedFrames;
        this.nextFrame = now;
        contiguous = false;
      }
    }
    for (; this.nextFrame <= now; this.nextFrame++) {
      for (const listener of this.listeners) listener(this.nextFrame, contiguous);
      contiguous = true;
    }
    if (this.listeners.size > 0) this.schedule();
    else this.timer = undefined;
  };
}
