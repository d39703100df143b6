/**
 * Frames for analysis decoded from the live feed's access units by a real ffmpeg: one JPEG per
 * keyframe fed (nothing else decoded), the analysis rate in fps mode, and a one-shot snapshot.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.ts';
import { DEFAULT_SAMPLE_DIR } from '../../src/dvr-sim/sample.ts';
import { decodeKeyframe, FrameDecoder, type DecodedFrame } from '../../src/media/feed/frame-decoder.ts';
import type { TimedAccessUnit } from '../../src/media/feed/timed-access-unit.ts';
import { parseH264 } from '../../src/media/h264.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping frame-decoder integration tests: ffmpeg not found');

const clip = parseH264(readFileSync(`${DEFAULT_SAMPLE_DIR}/vtest-main.h264`));
const FRAME_MS = 40;
const units: TimedAccessUnit[] = clip.frames.slice(0, 150).map((f, i) => ({
  ...f, pts90k: i * 3600, receivedAt: i * FRAME_MS, ...(f.idr ? { parameterSets: { sps: clip.sps, pps: clip.pps } } : {}),
}));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger('silent');
let decoder: FrameDecoder | undefined;
afterEach(async () => decoder?.stop());

describe.skipIf(!hasFfmpeg)('frame decoder (real ffmpeg)', () => {
  it('keyframes mode: one JPEG per IDR, at the source size, and nothing before the first IDR', async () => {
    const frames: DecodedFrame[] = [];
    decoder = new FrameDecoder({ rate: { mode: 'keyframes' }, jpegQuality: 6, log, onFrame: (f) => frames.push(f) });
    // starting mid-GOP: pictures before the next IDR cannot decode and must not be fed
    const firstIdr = units.findIndex((u, i) => i > 0 && u.idr);
    expect(firstIdr).toBeGreaterThan(0);
    for (const u of units.slice(1)) decoder.push(u);
    await decoder.stop();
    expect(frames).toHaveLength(units.slice(1).filter((u) => u.idr).length);
    for (const f of frames) expect({ width: f.width, height: f.height }).toEqual({ width: 960, height: 1080 });
  });

  it('keyframes mode: each JPEG comes out while the feed goes on (no picture waits for the next)', async () => {
    const frames: DecodedFrame[] = [];
    decoder = new FrameDecoder({ rate: { mode: 'keyframes' }, jpegQuality: 6, log, onFrame: (f) => frames.push(f) });
    const idr = units.find((u) => u.idr)!;
    decoder.push(idr);
    for (let i = 0; i < 200 && frames.length === 0; i++) await sleep(50);
    expect(frames).toHaveLength(1);
  });

  it('fps mode: every picture is decoded and about fps of them per second come out', async () => {
    const frames: DecodedFrame[] = [];
    decoder = new FrameDecoder({ rate: { mode: 'fps', fps: 5 }, jpegQuality: 8, log, onFrame: (f) => frames.push(f) });
    const start = Date.now();
    for (const [i, u] of units.slice(0, 75).entries()) {
      decoder.push(u);
      await sleep(Math.max(0, start + (i + 1) * FRAME_MS - Date.now()));
    }
    await decoder.stop();
    // 3 s fed at 5 fps; pacing on a loaded machine shifts it by a frame or two
    expect(frames.length).toBeGreaterThanOrEqual(12);
    expect(frames.length).toBeLessThanOrEqual(18);
  });

  it('a snapshot decodes one IDR on its own; anything else is refused', async () => {
    const snap = await decodeKeyframe(units.find((u) => u.idr)!, { jpegQuality: 4 });
    expect(snap).toMatchObject({ width: 960, height: 1080 });
    expect(snap.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await expect(decodeKeyframe(units.find((u) => !u.idr)!, { jpegQuality: 4 })).rejects.toThrow(/IDR/);
  });

  it('a decoder that cannot start is not started again at every keyframe', async () => {
    const warnings: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void warnings.push(line) });
    decoder = new FrameDecoder({ rate: { mode: 'keyframes' }, jpegQuality: 6, log: logger, ffmpegPath: '/nonexistent/ffmpeg', onFrame: () => {} });
    const idrs = units.filter((u) => u.idr);
    decoder.push(idrs[0]!);
    for (let i = 0; i < 100 && warnings.length === 0; i++) await sleep(20);
    for (const u of idrs.slice(1)) decoder.push(u);
    await sleep(200);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/frame decoder exited/);
  });
});
