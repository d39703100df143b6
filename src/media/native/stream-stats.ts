/**
 * What the camera's health shows of a stream whose frames the main thread may never see (nobody
 * wants them there): frames counted on the ingest thread, when the last one arrived, and the rate
 * the source sends, from its timestamps a GOP at a time.
 */
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';

export interface StreamStats {
  /** access units of this connection */
  frames: number;
  /** Date.now() when the last one arrived; null before the first */
  lastFrameAt: number | null;
  /** frames per second by the source's timestamps over the last complete GOP; null until one is complete */
  fps: number | null;
}

export class StreamStatsCounter {
  private readonly stats: StreamStats = { frames: 0, lastFrameAt: null, fps: null };
  /** the last IDR's timestamp and the frames since */
  private gop: { pts90k: number; frames: number } | null = null;

  add(au: TimedAccessUnit): void {
    this.stats.frames++;
    this.stats.lastFrameAt = au.receivedAt;
    if (!au.idr) {
      if (this.gop) this.gop.frames++;
      return;
    }
    const ticks = this.gop ? au.pts90k - this.gop.pts90k : 0;
    if (this.gop && ticks > 0) this.stats.fps = Math.round((this.gop.frames * 90_000 * 100) / ticks) / 100;
    this.gop = { pts90k: au.pts90k, frames: 1 };
  }

  get value(): StreamStats {
    return { ...this.stats };
  }
}
