import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import { decodeMark, ensureMarkedSample, FRAME_MARK } from './marked-sample.ts';
import { startDvrSim } from './server.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping marked-sample tests: ffmpeg not found');

describe.skipIf(!hasFfmpeg)('marked sample', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('every encoded frame reads back as its own frame number; the sim knows when it sent it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-marked-'));
    dirs.push(dir);
    const sample = await ensureMarkedSample(dir);
    const { bits, blockWidth, height } = FRAME_MARK;
    const frames = 60;
    const width = bits * blockWidth;
    // the barcode strip of the first frames, decoded from the H.264 the simulator serves
    const r = spawnSync('ffmpeg', ['-v', 'error', '-i', sample.main, '-frames:v', String(frames), '-vf', `crop=${width}:${height}:0:0,format=gray`, '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
    expect(r.status).toBe(0);
    const read = Array.from({ length: frames }, (_, n) => {
      const row = n * width * height + (height >> 1) * width;
      return decodeMark(Array.from({ length: bits }, (_, i) => r.stdout[row + i * blockWidth + (blockWidth >> 1)]!));
    });
    expect(read).toEqual(Array.from({ length: frames }, (_, n) => n));

    const sim = await startDvrSim({ port: 0, channels: 2, main: sample.main, sub: sample.sub, log: createLogger('silent') });
    try {
      const now = Date.now();
      const sent = sim.frameSentAt(1, 100, now);
      expect(sent).toBeLessThanOrEqual(now);
      expect(now - sent).toBeLessThan(20_000); // within one loop of the 20 s clip
      // the next clip frame follows one frame interval later; channel 2 starts half a clip further on
      expect(sim.frameSentAt(1, 101, sent + 40)).toBeCloseTo(sent + 40, 3);
      expect(sim.frameSentAt(2, (100 + 250) % 500, sent)).toBeCloseTo(sent, 3);
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
