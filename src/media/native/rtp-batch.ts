/**
 * RTP packets batched per frame for another thread: one message per access unit (the marker bit
 * ends it, or the next frame's timestamp when a sender leaves it out) rather than per packet.
 */
import { parseRtp, startedNalTypes, startsIdr } from '../webrtc/h264-rtp.ts';

const INITIAL_BYTES = 64 * 1024;
/** a sender that never sets the marker bit still gets its packets across this often */
const MAX_BATCH_BYTES = 256 * 1024;

export class RtpBatcher {
  private buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private used = 0;
  private timestamp = -1;
  private idr = false;

  /**
   * @param onFrame gets each frame's packets (each prefixed with its 16-bit length) as a view of the
   * batcher's own buffer, valid only during the call: copy what is kept; `idr` when it starts an IDR
   */
  constructor(private readonly onFrame: (frame: Buffer, idr: boolean) => void) {}

  add(packet: Buffer): void {
    const info = parseRtp(packet);
    // the RTSP session bounds a packet well below 64 KiB, so its length fits 16 bits
    if (!info || packet.length > 0xffff) return;
    if (this.used > 0 && info.timestamp !== this.timestamp) this.flush();
    this.timestamp = info.timestamp;
    this.idr ||= startsIdr(startedNalTypes(packet, info));
    this.reserve(packet.length + 2);
    this.buffer.writeUInt16BE(packet.length, this.used);
    packet.copy(this.buffer, this.used + 2);
    this.used += packet.length + 2;
    if (info.marker || this.used >= MAX_BATCH_BYTES) this.flush();
  }

  flush(): void {
    if (this.used === 0) return;
    const frame = this.buffer.subarray(0, this.used);
    const idr = this.idr;
    this.used = 0;
    this.idr = false;
    this.onFrame(frame, idr);
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.used + bytes));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}

/** The packets of one batch, as views into it. */
export function* unbatch(data: ArrayBuffer, length: number): Generator<Buffer> {
  const b = Buffer.from(data, 0, length);
  for (let at = 0; at + 2 <= length;) {
    const n = b.readUInt16BE(at);
    yield b.subarray(at + 2, at + 2 + n);
    at += 2 + n;
  }
}
