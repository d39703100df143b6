/**
 * RTP packets batched per frame for another thread: one message per access unit (the marker bit
 * ends it) rather than per packet, its buffer transferred rather than copied again.
 */
const INITIAL_BYTES = 64 * 1024;
/** a sender that never sets the marker bit still gets its packets across this often */
const MAX_BATCH_BYTES = 256 * 1024;

export class RtpBatcher {
  private buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private used = 0;

  /** @param send gets a buffer of its own (transferable) and how many of its bytes hold packets */
  constructor(private readonly send: (data: ArrayBuffer, length: number) => void) {}

  add(packet: Buffer): void {
    // the RTSP session bounds a packet well below 64 KiB, so its length fits 16 bits
    if (packet.length > 0xffff) return;
    this.reserve(packet.length + 2);
    this.buffer.writeUInt16BE(packet.length, this.used);
    packet.copy(this.buffer, this.used + 2);
    this.used += packet.length + 2;
    const marker = packet.length > 1 && (packet[1]! & 0x80) !== 0;
    if (marker || this.used >= MAX_BATCH_BYTES) this.flush();
  }

  flush(): void {
    if (this.used === 0) return;
    const { buffer, used } = this;
    this.buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
    this.used = 0;
    this.send(buffer.buffer as ArrayBuffer, used);
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
