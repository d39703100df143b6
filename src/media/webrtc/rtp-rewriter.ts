/**
 * One viewer's view of the camera's RTP: its own continuous sequence numbers and timestamps, so a
 * burst of the cached GOP followed by the live packets (and a later re-burst, or a restarted source)
 * looks like one unbroken stream to the browser.
 */
import { randomInt } from 'node:crypto';
import type { CachedFrame } from './gop-cache.ts';

// burst frames get timestamps this far apart (distinct, so the receiver still tells frames apart,
// but close, so its playout clock does not schedule them a GOP's duration into the future)
const BURST_TICKS = 1;
// a new burst after live packets starts a little after the last timestamp sent
const RESYNC_TICKS = 90;

export class RtpRewriter {
  private sequence = randomInt(0x10000);
  private timestampOffset = 0;
  private lastTimestamp: number | undefined;

  constructor(private readonly write: (packet: Buffer) => void) {}

  /** Sends the cached frames at once; live packets that follow continue from the last of them. */
  burst(frames: CachedFrame[]): void {
    const last = frames.at(-1);
    if (!last) return;
    const base = this.lastTimestamp === undefined ? randomInt(2 ** 31) : this.lastTimestamp + RESYNC_TICKS;
    frames.forEach((frame, i) => {
      for (const packet of frame.packets) this.emit(packet, base + i * BURST_TICKS);
    });
    this.timestampOffset = base + (frames.length - 1) * BURST_TICKS - last.timestamp;
  }

  forward(packet: Buffer, timestamp: number): void {
    this.emit(packet, timestamp + this.timestampOffset);
  }

  private emit(packet: Buffer, timestamp: number): void {
    const out = Buffer.from(packet);
    out.writeUInt16BE(this.sequence, 2);
    out.writeUInt32BE(timestamp >>> 0, 4);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.lastTimestamp = timestamp >>> 0;
    this.write(out);
  }
}
