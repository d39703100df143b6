/**
 * `npm run eval:suite`: `vigil eval detect` on every sequence `npm run eval:material` built (both
 * splits), with one configuration, printed as one JSON: precision, recall, AP50 and recall by
 * person height per sequence, and pooled per split. Tune on the `tune` split; the `holdout` split
 * says whether a change holds up on frames it was not tuned on.
 *
 * usage: npm run eval:suite -- [--config FILE] [--fps N] [--split tune|holdout] [--only NAME]... [--material DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MaterialSequence } from './eval-material.ts';

const { values } = parseArgs({
  options: {
    material: { type: 'string', default: '.cache/eval-material' },
    config: { type: 'string', short: 'c' },
    fps: { type: 'string' },
    split: { type: 'string' },
    only: { type: 'string', multiple: true },
  },
});
const manifestFile = path.join(values.material, 'manifest.json');
if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found: build the material first (npm run eval:material)`);
const fps = values.fps === undefined ? undefined : Number(values.fps);
if (fps !== undefined && !(fps > 0)) throw new Error(`--fps must be a positive number, got "${values.fps}"`);
const sequences = (JSON.parse(readFileSync(manifestFile, 'utf8')) as MaterialSequence[])
  .filter((s) => (!values.split || s.split === values.split) && (!values.only || values.only.includes(s.name)));
if (sequences.length === 0) throw new Error('no sequence matches --split/--only');

// stdout is the JSON result: the product's log lines go to stderr (set before the logger is made)
process.env.VIGIL_LOG_STDERR ??= '1';
const { configFrom } = await import('../src/cli/eval.ts');
const { evalDetect } = await import('../src/eval/runs.ts');
const loaded = configFrom(values.config);
const loadBefore = os.loadavg();
const started = Date.now();
const results = [];
const pooled: Record<string, { tp: number; fp: number; fn: number }> = {};
for (const seq of sequences) {
  process.stderr.write(`eval detect ${seq.name}/${seq.split}…\n`);
  const r = await evalDetect({ gt: seq.gt, gtFormat: 'mot15', video: seq.video, cls: 'person', fps, minHeight: seq.min_height, loaded });
  results.push({
    name: seq.name, split: seq.split, resolution: r.resolution, min_height: seq.min_height,
    frames_analysed: r.frames_analysed, frames_missing: r.frames_missing, detector_runs: r.detector_runs,
    frames_by_plan: r.frames_by_plan,
    precision: r.precision, recall: r.recall, ap50: r.ap50, tp: r.tp, fp: r.fp, fn: r.fn, by_height: r.by_height,
  });
  const p = (pooled[seq.split] ??= { tp: 0, fp: 0, fn: 0 });
  p.tp += r.tp;
  p.fp += r.fp;
  p.fn += r.fn;
}
const round = (n: number) => Math.round(n * 10000) / 10000;
console.log(JSON.stringify({
  command: 'eval-suite',
  config: loaded.source,
  fps: fps ?? 'every frame',
  machine: { cores: os.availableParallelism(), loadavg_before: loadBefore, loadavg_after: os.loadavg() },
  seconds: Math.round((Date.now() - started) / 1000),
  pooled: Object.fromEntries(Object.entries(pooled).map(([split, p]) => [split, { ...p, precision: round(p.tp / Math.max(p.tp + p.fp, 1)), recall: round(p.tp / Math.max(p.tp + p.fn, 1)) }])),
  sequences: results,
}, null, 2));
