import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/load.ts';
import type { FrameAnalysis } from '../vision/analyzer.ts';
import { effectiveThresholds } from './product-analyzer.ts';
import { evalDetect, evalTrack } from './runs.ts';

// the product's analyzer without a detector: it reports one person at the same place on every frame
vi.mock('./product-analyzer.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('./product-analyzer.ts')>();
  return {
    ...original,
    openProductAnalyzer: async () => ({
      analyzer: { analyze: async () => ({ width: 64, height: 48, ran: 'full', detections: [{ class: 'person', confidence: 0.9, bbox: [0, 0, 20, 40], track_id: 1 }] } as unknown as FrameAnalysis) },
      workers: 1,
      thresholds: effectiveThresholds(resolveConfig({}, 'defaults').config),
      close: async () => {},
    }),
  };
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasFfmpeg)('eval runs on a video shorter than its ground truth', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-runs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const video = path.join(dir, 'short.mkv');
  spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-frames:v', '3', '-c:v', 'mjpeg', video]);
  mkdirSync(path.join(dir, 'SEQ/gt'), { recursive: true });
  const gt = path.join(dir, 'SEQ/gt/gt.txt');
  writeFileSync(path.join(dir, 'SEQ/seqinfo.ini'), '[Sequence]\nframeRate=5\nseqLength=5\n');
  writeFileSync(gt, [1, 2, 3, 4, 5].map((f) => `${f},1,0,0,20,40,1,-1,-1,-1`).join('\n'));
  const opts = { gt, gtFormat: 'mot15' as const, video, cls: 'person', minHeight: 0, loaded: resolveConfig({}, 'defaults') };

  it('detect counts the missing frames\' people as missed and warns', async () => {
    const warnings: string[] = [];
    const r = await evalDetect({ ...opts, warn: (m) => warnings.push(m) });
    expect(r).toMatchObject({ frames_analysed: 3, frames_missing: 2, tp: 3, fn: 2, recall: 0.6, resolution: '64x48' });
    expect(r).toMatchObject({ thresholds: { track_start: { person: { score: 0.5 } } } });
    expect(warnings).toEqual([expect.stringMatching(/short\.mkv decoded 3 of the 5 frames .* 2 missing frames count as missed/)]);
  });

  it('track scores the missing frames as misses too', async () => {
    const r = await evalTrack({ ...opts, warn: () => {} });
    expect(r).toMatchObject({ frames_missing: 2, fn: 2 });
  });
});
