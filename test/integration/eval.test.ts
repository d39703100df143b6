import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGroundTruth, readTracks } from '../../src/eval/mot-format.ts';
import { evaluateTracking } from '../../src/eval/mot-metrics.ts';
import { PETS09_GT } from '../fixtures/ground-truth.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VIGIL = path.join(ROOT, 'bin/vigil.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runVigilEval(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VIGIL, 'eval', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `vigil eval …`; stdout must be exactly one JSON document. */
async function vigilEval(args: string[]): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await runVigilEval(args);
  if (code !== 0) throw new Error(`vigil eval ${args.join(' ')} exited ${code}: ${stderr}`);
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON document: ${stdout.slice(0, 300)}`);
  }
}

describe('vigil eval: bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-eval-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('usage errors exit 2 with the reason and the usage', async () => {
    const run = await runVigilEval(['track', '--gt', path.join(dir, 'none.txt')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--gt .*none\.txt: no such file[\s\S]*usage:/);
    expect((await runVigilEval(['faces', '--pairs', VIGIL])).stderr).toMatch(/needs --pairs CSV and --images DIR/);
    expect((await runVigilEval(['detect', '--gt', VIGIL, '--gt-format', 'mot99'])).stderr).toMatch(/--gt-format must be one of mot15, mot17/);
  });

  it('a malformed ground-truth row is named by file and line; nothing on stdout', async () => {
    const gt = path.join(dir, 'gt.txt');
    writeFileSync(gt, '1,1,10,10,20,50,1,-1,-1,-1\n2,1,ten,10,20,50,1,-1,-1,-1\n');
    const run = await runVigilEval(['track', '--gt', gt, '--tracks', gt]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/gt\.txt:2: column 3 is not a number: "ten"/);
    expect(run.stdout).toBe('');
  });
});

// py-motmetrics 1.4.0 ships TUD-Campus and TUD-Stadtmitte (ground truth + a tracker's output) and
// asserts these values in motmetrics/tests/test_metrics.py::test_motchallenge_files (atol 1e-3);
// its README prints the same table. MOTP there is the mean distance 1 − IoU.
const MOTMETRICS_DATA = path.join(ROOT, '.cache/motmetrics');
const PUBLISHED = {
  'TUD-Campus': { idf1: 0.557659, idp: 0.72973, idr: 0.451253, recall: 0.582173, precision: 0.941441, gt_ids: 8, mostly_tracked: 1, partially_tracked: 6, mostly_lost: 1, fp: 13, fn: 150, id_switches: 7, fragmentations: 7, mota: 0.526462, motp_distance: 0.277201 },
  'TUD-Stadtmitte': { idf1: 0.644619, idp: 0.81976, idr: 0.531142, recall: 0.608997, precision: 0.93992, gt_ids: 10, mostly_tracked: 5, partially_tracked: 4, mostly_lost: 1, fp: 45, fn: 452, id_switches: 7, fragmentations: 6, mota: 0.564014, motp_distance: 0.345904 },
};
const hasMotmetricsData = existsSync(path.join(MOTMETRICS_DATA, 'TUD-Stadtmitte/test.txt'));
if (!hasMotmetricsData) console.warn(`skipping py-motmetrics cross-check: ${MOTMETRICS_DATA}/TUD-*/ not found (scripts/fetch-motmetrics-data.sh)`);

describe.skipIf(!hasMotmetricsData)('MOT metrics vs the values py-motmetrics publishes', () => {
  for (const [sequence, expected] of Object.entries(PUBLISHED)) {
    it(sequence, () => {
      const dir = path.join(MOTMETRICS_DATA, sequence);
      const m = evaluateTracking(readGroundTruth(path.join(dir, 'gt.txt'), 'mot15'), readTracks(path.join(dir, 'test.txt')));
      for (const [key, value] of Object.entries(expected)) {
        expect(m[key as keyof typeof m], key).toBeCloseTo(value, 5);
      }
      expect(m.motp_iou).toBeCloseTo(1 - expected.motp_distance, 5);
    });
  }

  it('vigil eval track --tracks prints the same numbers as JSON', async () => {
    const dir = path.join(MOTMETRICS_DATA, 'TUD-Campus');
    const out = await vigilEval(['track', '--gt', path.join(dir, 'gt.txt'), '--tracks', path.join(dir, 'test.txt')]);
    expect(out).toMatchObject({ command: 'track', fp: 13, fn: 150, id_switches: 7, fragmentations: 7 });
    expect(out.mota).toBeCloseTo(0.526462, 3);
    expect(out.idf1).toBeCloseTo(0.557659, 3);
    expect(out.motp).toBeCloseTo(1 - 0.277201, 3);
  });
});

const SAMPLE = path.join(ROOT, '.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`, !existsSync(PETS09_GT) && `the PETS09 ground truth ${PETS09_GT}`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping vigil eval on vtest: ${missing.join(', ')} not found`);

describe.skipIf(missing.length > 0)('vigil eval on the first seconds of vtest (PETS09-S2L1)', () => {
  const FRAMES = 40;
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // a short MOTChallenge sequence: the first 40 frames of the ground truth, its seqinfo.ini (7 fps)
  const gt = path.join(dir, 'PETS09-S2L1/gt/gt.txt');
  if (missing.length === 0) {
    mkdirSync(path.dirname(gt), { recursive: true });
    const rows = readFileSync(PETS09_GT, 'utf8').split('\n').filter((l) => Number(l.split(',')[0]) <= FRAMES);
    writeFileSync(gt, `${rows.join('\n')}\n`);
    writeFileSync(path.join(dir, 'PETS09-S2L1/seqinfo.ini'), `[Sequence]\nname=PETS09-S2L1\nframeRate=7\nseqLength=${FRAMES}\n`);
  }

  it('detect: precision, recall and AP50 of the reported people; the saved detections score the same', async () => {
    const saved = path.join(dir, 'detections.txt');
    const out = await vigilEval(['detect', '--video', SAMPLE, '--gt', gt, '--save-detections', saved]);
    expect(out).toMatchObject({ command: 'detect', class: 'person', min_height: 50, sequence_fps: 7, sequence_fps_source: 'seqinfo.ini', frames_analysed: FRAMES, frames_missing: 0, frames_failed: 0, resolution: '768x576' });
    const rescored = await vigilEval(['detect', '--gt', gt, '--detections', saved]);
    for (const key of ['precision', 'recall', 'ap50', 'tp', 'fp', 'fn', 'by_height']) expect(rescored[key], key).toEqual(out[key]);
    for (const key of ['precision', 'recall', 'ap50']) expect(out[key], key).toBeGreaterThan(0.5);
    expect(out.ap50).toBeLessThanOrEqual(1);
    const sweep = out.sweep as { threshold: number; precision: number; recall: number }[];
    expect(sweep.length).toBeGreaterThan(1);
    // raising the threshold never finds more people
    for (let i = 1; i < sweep.length; i++) expect(sweep[i]!.recall).toBeLessThanOrEqual(sweep[i - 1]!.recall);
  });

  it('track: MOT metrics of the product tracks; the saved tracks score the same', async () => {
    const saved = path.join(dir, 'tracks.txt');
    const out = await vigilEval(['track', '--video', SAMPLE, '--gt', gt, '--save-tracks', saved]);
    expect(out).toMatchObject({ command: 'track', frames_analysed: FRAMES, frames: FRAMES, min_height: 0 });
    for (const key of ['mota', 'idf1', 'idp', 'idr', 'motp']) expect(out[key], key).toBeGreaterThan(0.4);
    expect(out.id_switches).toBeLessThan(10);
    const rescored = await vigilEval(['track', '--gt', gt, '--tracks', saved]);
    for (const key of ['mota', 'idf1', 'fp', 'fn', 'id_switches', 'fragmentations']) expect(rescored[key], key).toEqual(out[key]);
  });
});
