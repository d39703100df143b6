/**
 * One camera's RTP on the ingest thread, sent on to the main thread only while it is wanted there
 * (a viewer, analysis, LL-HLS, a snapshot): a camera nobody needs costs the main thread nothing
 * per frame. The packets since the newest IDR (the current GOP) are always kept, so that when
 * demand begins they go first: the main thread's consumers then start at a keyframe at once, as
 * if they had been receiving all along.
 */
import { RtpBatcher } from './rtp-batch.ts';

/** a GOP larger than this is not kept (a new consumer then waits for the next IDR) */
export const MAX_GOP_BYTES = 4 * 1024 * 1024;

export interface DemandedRtpOptions {
  wanted: boolean;
  maxGopBytes?: number;
  /** the current GOP outgrew maxGopBytes (true), or an IDR started a GOP that fits again (false) */
  onGopOverflow?: (over: boolean) => void;
}

export class DemandedRtp {
  private readonly batcher = new RtpBatcher((frame, idr) => this.onFrame(frame, idr));
  /** the frames of the current GOP, each a batch of length-prefixed packets */
  private gop: Buffer[] = [];
  private gopBytes = 0;
  /** frames are kept from an IDR on, until the GOP overflows */
  private keeping = false;
  private overflowed = false;
  private wanted: boolean;
  /** the next batch sent starts again after a pause: the sequence numbers jump */
  private resuming = true;
  private readonly maxGopBytes: number;

  /** @param send gets a buffer of its own (transferable), how many of its bytes hold packets, and whether packets resume there after a pause */
  constructor(private readonly send: (data: ArrayBuffer, length: number, resumed: boolean) => void, private readonly o: DemandedRtpOptions) {
    this.wanted = o.wanted;
    this.maxGopBytes = o.maxGopBytes ?? MAX_GOP_BYTES;
  }

  add(packet: Buffer): void {
    this.batcher.add(packet);
  }

  /** The frame in progress goes out now (the session ended). */
  flush(): void {
    this.batcher.flush();
  }

  setWanted(wanted: boolean): void {
    if (wanted === this.wanted) return;
    this.wanted = wanted;
    if (!wanted) return;
    // the frame in progress is not in the GOP yet: it follows the replay as a live frame
    this.resuming = true;
    if (this.gop.length > 0) this.sendCopy(this.gop, this.gopBytes);
  }

  /** The frames held for the next consumer (tests, diagnostics). */
  get gopFrames(): number {
    return this.gop.length;
  }

  private onFrame(frame: Buffer, idr: boolean): void {
    if (idr) {
      this.gop = [];
      this.gopBytes = 0;
      this.keeping = true;
      if (this.overflowed && frame.length <= this.maxGopBytes) {
        this.overflowed = false;
        this.o.onGopOverflow?.(false);
      }
    }
    if (this.keeping) this.keep(frame);
    if (this.wanted) this.sendCopy([frame], frame.length);
  }

  private keep(frame: Buffer): void {
    if (this.gopBytes + frame.length > this.maxGopBytes) {
      this.gop = [];
      this.gopBytes = 0;
      this.keeping = false;
      if (!this.overflowed) this.o.onGopOverflow?.(true);
      this.overflowed = true;
      return;
    }
    this.gop.push(Buffer.from(frame));
    this.gopBytes += frame.length;
  }

  private sendCopy(frames: Buffer[], bytes: number): void {
    const data = Buffer.allocUnsafeSlow(bytes);
    let at = 0;
    for (const f of frames) at += f.copy(data, at);
    const resumed = this.resuming;
    this.resuming = false;
    this.send(data.buffer as ArrayBuffer, bytes, resumed);
  }
}
