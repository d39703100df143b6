import { Transform, type TransformCallback } from 'node:stream';

/**
 * Splits a concatenated JPEG byte stream (ffmpeg image2pipe) into whole JPEGs, whatever the chunk
 * boundaries.
 *
 * Why walk the markers instead of searching for the first FFD9 (EOI) after FFD8 (SOI): inside
 * entropy-coded scan data a 0xFF data byte is always stuffed as FF00, so there a naive search is
 * safe; but header segments (APPn, COM, DQT, DHT) are length-prefixed binary, and an EXIF APP1
 * even carries a whole thumbnail JPEG with its own EOI. So headers are skipped by their length,
 * and only scan data is searched, for FF followed by anything but 00 or a restart marker D0–D7.
 */
const MAX_JPEG_BYTES = 32 * 1024 * 1024;

type Phase = 'soi' | 'segments' | 'scan';

export class JpegStreamParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private phase: Phase = 'soi';
  /** bytes dropped while resynchronising (garbage between or inside images) */
  discarded = 0;

  /** Feeds a chunk; returns the JPEGs completed by it. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.step(out));
    if (this.buf.length > MAX_JPEG_BYTES) this.resync();
    return out;
  }

  /** Advances the state machine; false when more input is needed. */
  private step(out: Buffer[]): boolean {
    const b = this.buf;
    if (this.phase === 'soi') {
      const i = b.indexOf(SOI);
      if (i < 0) {
        // keep a trailing FF: it may be the first half of the next SOI
        const keep = b.length && b[b.length - 1] === 0xff ? 1 : 0;
        this.drop(b.length - keep);
        return false;
      }
      this.drop(i);
      this.pos = 2;
      this.phase = 'segments';
      return true;
    }
    if (this.phase === 'scan') {
      const i = b.indexOf(0xff, this.pos);
      if (i < 0 || i + 1 >= b.length) {
        this.pos = i < 0 ? b.length : i;
        return false;
      }
      const next = b[i + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        this.pos = i + 2;
      } else {
        this.pos = i;
        this.phase = 'segments';
      }
      return true;
    }
    // segments: at pos there must be a marker FF xx
    if (this.pos + 2 > b.length) return false;
    if (b[this.pos] !== 0xff) return this.resync();
    const marker = b[this.pos + 1]!;
    if (marker === 0xff) { // fill byte before a marker
      this.pos += 1;
      return true;
    }
    if (marker === 0xd9) { // EOI
      const end = this.pos + 2;
      out.push(Buffer.from(b.subarray(0, end)));
      this.buf = b.subarray(end);
      this.pos = 0;
      this.phase = 'soi';
      return true;
    }
    if (marker === 0xd8) return this.resync(); // a new SOI inside an image: the previous one was cut
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // markers without a length
      this.pos += 2;
      return true;
    }
    if (this.pos + 4 > b.length) return false;
    const len = b.readUInt16BE(this.pos + 2);
    if (len < 2) return this.resync();
    this.pos += 2 + len;
    if (marker === 0xda) this.phase = 'scan'; // SOS: its header is followed by entropy-coded data
    return true;
  }

  /** Drops the current (broken) image start and looks for the next SOI. */
  private resync(): true {
    this.drop(1);
    this.phase = 'soi';
    this.pos = 0;
    return true;
  }

  private drop(n: number): void {
    this.discarded += n;
    this.buf = this.buf.subarray(n);
  }
}

const SOI = Buffer.from([0xff, 0xd8]);

/** Object-mode Transform: bytes in, one Buffer per whole JPEG out. */
export class MjpegSplitter extends Transform {
  readonly parser = new JpegStreamParser();

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const jpeg of this.parser.push(chunk)) this.push(jpeg);
    done();
  }
}

/** Width and height from the SOFn header of a JPEG; null when there is none. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const len = jpeg.readUInt16BE(i + 2);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > jpeg.length) return null;
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    if (marker === 0xda) return null;
    i += 2 + len;
  }
  return null;
}
