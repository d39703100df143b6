import { execFileSync, spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JpegStreamParser, jpegSize, MjpegSplitter } from './mjpeg-splitter.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping mjpeg-splitter ffmpeg tests: ffmpeg not found');

/** deterministic PRNG (mulberry32) so a failing split is reproducible */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomChunks(data: Buffer, rnd: () => number, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    chunks.push(data.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

function splitAll(chunks: Buffer[]): Buffer[] {
  const p = new JpegStreamParser();
  return chunks.flatMap((c) => p.push(c));
}

/** Inserts a COM segment holding FF D9 right after SOI: a naive EOI search would cut there. */
function withTrickyComment(jpeg: Buffer): Buffer {
  const payload = Buffer.from([0xff, 0xd9, 0xff, 0xd8, 0x41]);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0, payload.length + 2]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)]);
}

describe.skipIf(!hasFfmpeg)('MjpegSplitter with real ffmpeg JPEGs', () => {
  const stream = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=5',
    '-frames:v', '6', '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  const whole = splitAll([stream]);

  it('finds every image of an unsplit stream', () => {
    expect(whole).toHaveLength(6);
    expect(Buffer.concat(whole).equals(stream)).toBe(true);
    for (const j of whole) expect(jpegSize(j)).toEqual({ width: 320, height: 240 });
  });

  it('gives identical images whatever the chunk boundaries', () => {
    for (const [seed, max] of [[1, 1], [2, 7], [3, 500], [4, 70_000]] as const) {
      const parts = splitAll(randomChunks(stream, prng(seed), max));
      expect(parts.map((p) => p.toString('base64'))).toEqual(whole.map((p) => p.toString('base64')));
    }
  });

  it('does not cut at an FFD9 inside a header segment', () => {
    const tricky = withTrickyComment(whole[0]!);
    const parts = splitAll(randomChunks(Buffer.concat([tricky, whole[1]!]), prng(5), 300));
    expect(parts).toHaveLength(2);
    expect(parts[0]!.equals(tricky)).toBe(true);
    expect(jpegSize(parts[0]!)).toEqual({ width: 320, height: 240 });
  });

  it('skips garbage and a truncated image, then resynchronises', () => {
    const junk = Buffer.from('not a jpeg \xff\x00\xff', 'latin1');
    const cut = whole[0]!.subarray(0, 900);
    const p = new JpegStreamParser();
    const parts = randomChunks(Buffer.concat([junk, cut, whole[1]!, junk, whole[2]!]), prng(6), 64).flatMap((c) => p.push(c));
    expect(parts.map((x) => x.toString('base64'))).toEqual([whole[1]!, whole[2]!].map((x) => x.toString('base64')));
    expect(p.discarded).toBeGreaterThan(junk.length);
  });

  it('works as an object-mode stream', async () => {
    const out: Buffer[] = [];
    for await (const j of Readable.from(randomChunks(stream, prng(7), 4096)).pipe(new MjpegSplitter())) out.push(j as Buffer);
    expect(out).toHaveLength(6);
  });
});

describe('jpegSize', () => {
  it('returns null without a frame header', () => {
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00]))).toBeNull();
  });
});
