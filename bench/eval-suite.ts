/**
 * `npm run eval:suite`: `vigil eval detect` on every sequence `npm run eval:material` built (both
 * splits), with one configuration, printed as one JSON: precision, recall, AP50 and recall by
 * person height per sequence, and pooled per split. Tune on the `tune` split; the `holdout` split
 * says whether a change holds up on frames it was not tuned on.
 *
 * With --track the same reported boxes (saved with their track ids) are also scored as tracks:
 * MOTA and IDF1 per sequence, people under the sequence's min_height ignored as for detection.
 *
 * usage: npm run eval:suite -- [--config FILE] [--fps N] [--split tune|holdout] [--only NAME]... [--material DIR] [--track]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    track: { type: 'boolean', default: false },
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
const { evalDetect, evalTrack } = await import('../src/eval/runs.ts');
const savedDir = mkdtempSync(path.join(os.tmpdir(), 'eval-suite-'));
const loaded = configFrom(values.config);
const loadBefore = os.loadavg();
const started = Date.now();
const results = [];
const pooled: Record<string, { tp: number; fp: number; fn: number }> = {};
for (const seq of sequences) {
  process.stderr.write(`eval detect ${seq.name}/${seq.split}…\n`);
  const common = { gt: seq.gt, gtFormat: 'mot15' as const, cls: 'person', fps, minHeight: seq.min_height, loaded };
  const saved = path.join(savedDir, `${seq.name}-${seq.split}.txt`);
  const r = await evalDetect({ ...common, video: seq.video, saveDetections: values.track ? saved : undefined });
  const t = values.track ? await evalTrack({ ...common, tracks: saved }) : undefined;
  results.push({
    name: seq.name, split: seq.split, resolution: r.resolution, min_height: seq.min_height,
    frames_analysed: r.frames_analysed, frames_missing: r.frames_missing, detector_runs: r.detector_runs,
    frames_by_plan: r.frames_by_plan, frames_coasted: r.frames_coasted,
    precision: r.precision, recall: r.recall, ap50: r.ap50, tp: r.tp, fp: r.fp, fn: r.fn, by_height: r.by_height,
    ...(t ? { mota: t.mota, idf1: t.idf1, id_switches: t.id_switches } : {}),
  });
  const p = (pooled[seq.split] ??= { tp: 0, fp: 0, fn: 0 });
  p.tp += r.tp;
  p.fp += r.fp;
  p.fn += r.fn;
}
rmSync(savedDir, { recursive: true, force: true });
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
