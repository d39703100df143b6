/**
 * One real-time 25 fps clock for the whole simulator: every playing client of every channel is fed
 * from the same timer, and the timer only runs while someone is playing.
 */
import { performance } from 'node:perf_hooks';

/** `contiguous` is false when frames were skipped (event loop stalled): decoders must resync on an IDR. */
export type FrameListener = (frame: number, contiguous: boolean) => void;

// after a stall longer than this, skip ahead instead of bursting the backlog into every socket
const MAX_CATCH_UP_FRAMES = 12;

export class FrameClock {
  private readonly listeners = new Set<FrameListener>();
  private readonly origin = performance.now();
  /** wall-clock time (ms since the epoch) of frame 0: frame n is due at originEpochMs + n * 1000 / fps */
  readonly originEpochMs = performance.timeOrigin + this.origin;
  private timer: NodeJS.Timeout | undefined;
  private nextFrame = 0;

  constructor(readonly fps = 25) {}

  /** Frames elapsed since the clock was created; also the basis of every RTP timestamp. */
  current(): number {
    return Math.floor(((performance.now() - this.origin) * this.fps) / 1000);
  }

  /** Playing clients right now (a leak check for tests). */
  get subscribers(): number {
    return this.listeners.size;
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

  private schedule(): void {
    const due = this.origin + (this.nextFrame * 1000) / this.fps;
    clearTimeout(this.timer); // a subscribe() from inside a listener must not leave a second timer
    this.timer = setTimeout(this.tick, Math.max(0, due - performance.now()));
  }

  private readonly tick = (): void => {
    const now = this.current();
    let contiguous = true;
    if (now - this.nextFrame > MAX_CATCH_UP_FRAMES) {
      this.nextFrame = now;
      contiguous = false;
    }
    for (; this.nextFrame <= now; this.nextFrame++) {
      for (const listener of this.listeners) listener(this.nextFrame, contiguous);
      contiguous = true;
    }
    if (this.listeners.size > 0) this.schedule();
    else this.timer = undefined;
  };
}
