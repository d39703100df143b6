import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FrameAnalysis } from '../vision/analyzer.ts';
import { analyseVideo } from './analyse-video.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasFfmpeg)('analyseVideo', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-analyse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the frames the video does not have and the decoded size', async () => {
    const video = path.join(dir, 'short.mkv');
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-frames:v', '3', '-c:v', 'mjpeg', video]);
    const seen: number[] = [];
    const analyzer = {
      analyze: async ({ seq }: { seq: number }) => {
        seen.push(seq);
        return { width: 64, height: 48, detections: [] } as unknown as FrameAnalysis;
      },
    };
    const run = await analyseVideo({ video, frames: [1, 2, 3, 4, 5], sequenceFps: 5, analyzer });
    expect(seen).toEqual([1, 2, 3]);
    expect(run.missing).toEqual([4, 5]);
    expect(run.size).toEqual({ width: 64, height: 48 });
  });
});
