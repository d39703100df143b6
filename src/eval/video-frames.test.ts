import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrames, sampledFrames, videoFrameRate, videoSize } from './video-frames.ts';

describe('sampledFrames', () => {
  it('1 fps of a 7 fps sequence: every 7th frame from frame 1', () => {
    expect(sampledFrames(7, 1, 20)).toEqual([1, 8, 15]);
  });
  it('fractional steps take the nearest frame', () => {
    // 25 fps at 10 fps: steps of 2.5 frames → 0, 2.5→3, 5, 7.5→8 (0-based)
    expect(sampledFrames(25, 10, 10)).toEqual([1, 4, 6, 9]);
  });
  it('a rate above the sequence rate gives every frame once', () => {
    expect(sampledFrames(7, 30, 5)).toEqual([1, 2, 3, 4, 5]);
  });
  it('rejects non-positive rates', () => {
    expect(() => sampledFrames(7, 0, 5)).toThrow(/--fps 0/);
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!hasFfmpeg) console.warn('skipping decodeFrames tests: ffmpeg not found');

describe.skipIf(!hasFfmpeg)('decodeFrames', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-frames-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const video = path.join(dir, 'clip.avi');
  if (hasFfmpeg) spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=1.2', '-c:v', 'mjpeg', video]);

  it('numbers every decoded picture from 1 and keeps the wanted ones', async () => {
    const got: number[] = [];
    for await (const f of decodeFrames(video, { want: (n) => n % 5 === 0 })) {
      expect(f.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      got.push(f.frame);
    }
    expect(got).toEqual([5, 10]);
    expect(videoFrameRate(video)).toBe(10);
    expect(videoSize(video)).toEqual({ width: 64, height: 48 });
  });

  it('stops after the last frame asked for', async () => {
    const got: number[] = [];
    for await (const f of decodeFrames(video, { last: 3 })) got.push(f.frame);
    expect(got).toEqual([1, 2, 3]);
  });

  it('reads a folder of numbered images (a MOTChallenge img1/) in name order', async () => {
    const img1 = path.join(dir, 'img1');
    mkdirSync(img1);
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-frames:v', '3', path.join(img1, '%06d.jpg')]);
    const got: number[] = [];
    for await (const f of decodeFrames(img1)) got.push(f.frame);
    expect(got).toEqual([1, 2, 3]);
    expect(videoSize(img1)).toEqual({ width: 64, height: 48 });
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    await expect(decodeFrames(empty).next()).rejects.toThrow(/empty is a folder without images/);
  });

  it('names the video it cannot decode', async () => {
    const iterate = async () => {
      for await (const _ of decodeFrames(path.join(dir, 'missing.avi')));
    };
    await expect(iterate()).rejects.toThrow(/could not decode .*missing\.avi/);
  });
});
