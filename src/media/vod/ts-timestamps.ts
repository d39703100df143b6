import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * MPEG-TS timestamps (90 kHz, 33 bits). Recorded segments restart at the same timestamp
 * (`-reset_timestamps 1`), which HLS forbids between segments without a discontinuity. Served
 * VOD segments are therefore shifted onto the wall clock: their media ends at the segment's
 * recorded end_time, so consecutive segments of one recording run are continuous and the
 * playlist needs EXT-X-DISCONTINUITY only where the recording really has a gap.
 */
export const TS_PACKET = 188;
export const TICKS_PER_SECOND = 90_000;
export const PTS_WRAP = 2 ** 33;
const SYNC = 0x47;
/** one frame at 25 fps, when a segment holds a single frame */
const DEFAULT_FRAME_TICKS = 3600;

const wrap = (t: number): number => ((t % PTS_WRAP) + PTS_WRAP) % PTS_WRAP;

function readTimestamp(b: Buffer, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + ((b[at + 1]! << 22) | ((b[at + 2]! >> 1) << 15) | (b[at + 3]! << 7) | (b[at + 4]! >> 1));
}

/** Keeps the 4-bit prefix and the marker bits; writes the 33-bit value. */
export function writeTimestamp(b: Buffer, at: number, t: number): void {
  const high = Math.floor(t / 2 ** 30);
  const low = t % 2 ** 30;
  b[at] = (b[at]! & 0xf0) | (high << 1) | 1;
  b[at + 1] = (low >>> 22) & 0xff;
  b[at + 2] = (((low >>> 15) & 0x7f) << 1) | 1;
  b[at + 3] = (low >>> 7) & 0xff;
  b[at + 4] = ((low & 0x7f) << 1) | 1;
}

interface PacketFields {
  /** offset of the PCR (6 bytes) or -1 */
  pcr: number;
  /** offsets of the PES PTS and DTS (5 bytes each) or -1 */
  pts: number;
  dts: number;
}

/** Where the timestamps of the packet at `p` are; stream ids with an optional PES header only. */
function fieldsOf(b: Buffer, p: number): PacketFields {
  const f: PacketFields = { pcr: -1, pts: -1, dts: -1 };
  const afc = (b[p + 3]! >> 4) & 0x03;
  let payload = p + 4;
  if (afc & 0x02) {
    const len = b[p + 4]!;
    if (len > 0 && b[p + 5]! & 0x10 && len >= 7) f.pcr = p + 6;
    payload = p + 5 + len;
  }
  const pusi = (b[p + 1]! & 0x40) !== 0;
  if (!(afc & 0x01) || !pusi || payload + 14 > p + TS_PACKET) return f;
  if (b[payload] !== 0 || b[payload + 1] !== 0 || b[payload + 2] !== 1) return f;
  const streamId = b[payload + 3]!;
  if (streamId < 0xc0 || streamId > 0xef) return f; // audio/video PES only
  const flags = (b[payload + 7]! >> 6) & 0x03;
  if (flags & 0x02) f.pts = payload + 9;
  if (flags === 0x03 && payload + 19 <= p + TS_PACKET) f.dts = payload + 14;
  return f;
}

/** PES presentation timestamps in the whole packets of `b` (in file order). */
export function presentationTimestamps(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p + TS_PACKET <= b.length; p += TS_PACKET) {
    if (b[p] !== SYNC) continue;
    const f = fieldsOf(b, p);
    if (f.pts >= 0) out.push(readTimestamp(b, f.pts));
  }
  return out;
}

/** Adds `offset` ticks (mod 2^33) to every PTS, DTS and PCR base of the whole packets of `b`, in place. */
export function shiftPackets(b: Buffer, offset: number): void {
  for (let p = 0; p + TS_PACKET <= b.length; p += TS_PACKET) {
    if (b[p] !== SYNC) continue;
    const f = fieldsOf(b, p);
    if (f.pts >= 0) writeTimestamp(b, f.pts, wrap(readTimestamp(b, f.pts) + offset));
    if (f.dts >= 0) writeTimestamp(b, f.dts, wrap(readTimestamp(b, f.dts) + offset));
    if (f.pcr >= 0) writePcrBase(b, f.pcr, wrap((b[f.pcr]! * 2 ** 25 + ((b[f.pcr + 1]! << 17) | (b[f.pcr + 2]! << 9) | (b[f.pcr + 3]! << 1) | (b[f.pcr + 4]! >> 7))) + offset));
  }
}

/** Writes the 33-bit PCR base at `at`, keeping the reserved bits and the extension that follow it. */
export function writePcrBase(b: Buffer, at: number, base: number): void {
  b[at] = Math.floor(base / 2 ** 25) & 0xff;
  const low = base % 2 ** 25;
  b[at + 1] = (low >>> 17) & 0xff;
  b[at + 2] = (low >>> 9) & 0xff;
  b[at + 3] = (low >>> 1) & 0xff;
  b[at + 4] = ((low & 1) << 7) | (b[at + 4]! & 0x7f);
}

/** A stream transform applying shiftPackets across arbitrary chunk boundaries. */
export class TimestampShift extends Transform {
  private rest = Buffer.alloc(0);

  constructor(private readonly offset: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const all = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const whole = all.length - (all.length % TS_PACKET);
    const out = Buffer.from(all.subarray(0, whole));
    this.rest = Buffer.from(all.subarray(whole));
    shiftPackets(out, this.offset);
    done(null, out);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.rest); // a truncated last packet (segment cut by a kill) passes unchanged
  }
}

export interface MediaSpan {
  /** first PTS of the file */
  firstPts: number;
  /** PTS just after the last frame (last PTS + one frame) */
  endPts: number;
}

const HEAD_BYTES = 64 * TS_PACKET;
const TAIL_BYTES = 2048 * TS_PACKET;

/** First and end PTS of a segment file, from its first and last few hundred kB. */
export async function readMediaSpan(file: string): Promise<MediaSpan> {
  const h = await open(file, 'r');
  try {
    const size = (await h.stat()).size;
    const read = async (at: number, length: number) => {
      const b = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
      await h.read(b, 0, b.length, at);
      return b;
    };
    const head = presentationTimestamps(await read(0, HEAD_BYTES));
    const tailStart = Math.max(0, size - TAIL_BYTES - (size % TS_PACKET));
    const tail = presentationTimestamps(await read(tailStart, size - tailStart));
    if (!head.length || !tail.length) throw new Error(`no timestamps in ${file}`);
    const last = Math.max(...tail.slice(-4));
    const frame = tail.length > 1 ? tail.at(-1)! - tail.at(-2)! : DEFAULT_FRAME_TICKS;
    return { firstPts: head[0]!, endPts: last + (frame > 0 && frame < TICKS_PER_SECOND ? frame : DEFAULT_FRAME_TICKS) };
  } finally {
    await h.close();
  }
}

/** The shift that makes a file's media end at `endTime` on the wall clock (mod 2^33 ticks). */
export function wallClockOffset(span: MediaSpan, endTime: Date): number {
  return wrap(Math.round(endTime.getTime() * (TICKS_PER_SECOND / 1000)) - span.endPts);
}
