/**
 * `npm run bench:models`: the detection models side by side in one run — ms per frame (one
 * worker, frames one after the other, median over --frames) and `vigil eval detect` precision,
 * recall and AP50 at --fps 1 — on vtest and on material built from it at 1920x1080. Ground truth
 * of vtest may be used for tests only, so the material is written under .cache/model-compare/ at
 * run time and never committed. JSON on stdout, progress on stderr.
 *
 * usage: npm run bench:models -- [--models centernet,centernet-onnx,centernet-onnx@1024,onnx:FILE.onnx] [--frames 60] [--no-eval] [--vtest FILE] [--gt DIR]
 * (`centernet-onnx@N`: detection.centernet_onnx.input_size N; `onnx:FILE`: a YOLOv8-layout ONNX file through detection.model onnx)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/schema.ts';
import type { DetectorModel } from '../src/vision/detectors/registry.ts';
import { createDetectorPool } from '../src/vision/pool.ts';
import { median, round } from './detector.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'centernet,centernet-onnx' },
    frames: { type: 'string', default: '60' },
    vtest: { type: 'string', default: '.cache/samples/vtest.avi' },
    gt: { type: 'string', default: '/work/shared/data/pets09-s2l1' },
    'no-eval': { type: 'boolean', default: false },
  },
});
/** A model as `detection` config: a `detection.model` name, `centernet-onnx@SIDE`, or `onnx:FILE` for a YOLOv8-layout file. */
interface ModelChoice {
  name: string;
  detection: Record<string, unknown>;
}
function modelChoice(m: string): ModelChoice {
  if (m.startsWith('onnx:')) return { name: path.basename(m.slice(5), '.onnx'), detection: { model: 'onnx', onnx: { path: m.slice(5), format: 'yolov8' } } };
  const [model, side] = m.split('@');
  return { name: m, detection: { model, ...(side ? { centernet_onnx: { input_size: Number(side) } } : {}) } };
}
const MODELS = values.models.split(',').map(modelChoice);
const FRAMES = Number(values.frames);
const OUT = '.cache/model-compare';
const [SRC_W, SRC_H] = [768, 576];

/** A sequence to score: video, MOT ground truth with seqinfo.ini beside gt/, people scored from `minHeight` px. */
interface Sequence {
  name: string;
  what: string;
  video: string;
  gt: string;
  /** the detection target scores people from 50 px up in vtest; scaled material scales that with the picture */
  minHeight: number;
}

const ffmpeg = (args: string[]): void => void execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 28 });

/** vtest scaled by `scale` and placed at (x, y) on a black 1920x1080 canvas, its ground truth moved with it. */
function placed(name: string, what: string, scale: number, x: number, y: number): Sequence {
  const dir = path.join(OUT, name);
  const video = path.join(dir, 'video.mp4');
  const gt = path.join(dir, 'gt', 'gt.txt');
  if (!existsSync(video) || !existsSync(gt)) {
    mkdirSync(path.dirname(gt), { recursive: true });
    const [w, h] = [Math.round(SRC_W * scale), Math.round(SRC_H * scale)];
    ffmpeg(['-i', values.vtest, '-vf', `scale=${w}:${h}:flags=bicubic,pad=1920:1080:${x}:${y}:black`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', video]);
    const rows = readFileSync(path.join(values.gt, 'gt', 'gt.txt'), 'utf8').trim().split('\n').map((line) => {
      const f = line.split(',');
      const [bx, by, bw, bh] = f.slice(2, 6).map(Number) as [number, number, number, number];
      return [f[0], f[1], bx * scale + x, by * scale + y, bw * scale, bh * scale, ...f.slice(6)].map((v) => (typeof v === 'number' ? v.toFixed(2) : v)).join(',');
    });
    writeFileSync(gt, `${rows.join('\n')}\n`);
    const seqinfo = readFileSync(path.join(values.gt, 'seqinfo.ini'), 'utf8').replace(/imWidth=\d+/, 'imWidth=1920').replace(/imHeight=\d+/, 'imHeight=1080');
    writeFileSync(path.join(dir, 'seqinfo.ini'), seqinfo);
  }
  return { name, what, video, gt, minHeight: Math.round(50 * scale) };
}

/** JPEGs of a sequence at 1 fps (the keyframe cadence), as the camera worker hands them to analysis. */
function keyframes(seq: Sequence): Buffer[] {
  const dir = path.join(OUT, 'frames', seq.name);
  if (!existsSync(dir) || readdirSync(dir).length < FRAMES) {
    mkdirSync(dir, { recursive: true });
    ffmpeg(['-i', seq.video, '-vf', 'fps=1', '-frames:v', String(FRAMES), '-q:v', '4', path.join(dir, 'f%03d.jpg')]);
  }
  return readdirSync(dir).sort().slice(0, FRAMES).map((f) => readFileSync(path.join(dir, f)));
}


interface Speed {
  ms_per_frame_p50: number;
  inference_ms_p50: number;
  frames: number;
}

/**
 * One worker per model, one frame at a time: end-to-end detect() (JPEG decode, letterbox, model,
 * decode) and the model alone. The models take turns frame by frame, so load from other processes
 * on the box falls on all of them alike and their ratios hold.
 */
async function speeds(models: readonly ModelChoice[], frames: Buffer[]): Promise<Speed[]> {
  const pools = [];
  try {
    for (const model of models) {
      const detection = configSchema.parse({ detection: model.detection }).detection;
      pools.push(await createDetectorPool({ ...detection, model: detection.model as DetectorModel, settings: { centernet_onnx: detection.centernet_onnx, onnx: detection.onnx }, workers: 1 }));
    }
    for (const pool of pools) for (const jpeg of frames.slice(0, 3)) await pool.detect(jpeg); // warm-up
    const total = models.map((): number[] => []);
    const inference = models.map((): number[] => []);
    for (const jpeg of frames) {
      for (const [i, pool] of pools.entries()) {
        const started = performance.now();
        const result = await pool.detect(jpeg);
        total[i]!.push(performance.now() - started);
        inference[i]!.push(result.inferenceMs);
      }
    }
    return models.map((_, i) => ({ ms_per_frame_p50: median(total[i]!, 1), inference_ms_p50: median(inference[i]!, 1), frames: frames.length }));
  } finally {
    for (const pool of pools) await pool.close();
  }
}

/** `vigil eval detect --fps 1` with only detection.model changed from the defaults (one worker). */
function accuracy(model: ModelChoice, seq: Sequence): { precision: number; recall: number; ap50: number } {
  const config = path.join(OUT, `config-${model.name.replace(/[^\w.-]/g, '_')}.yaml`);
  writeFileSync(config, JSON.stringify({ detection: { ...model.detection, workers: 1 } })); // JSON is YAML
  const out = execFileSync('node', ['bin/vigil.js', 'eval', 'detect', '--video', seq.video, '--gt', seq.gt, '--fps', '1', '--min-height', String(seq.minHeight), '--config', config],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
  const result = JSON.parse(out) as { precision: number; recall: number; ap50: number };
  return { precision: round(result.precision, 3), recall: round(result.recall, 3), ap50: round(result.ap50, 3) };
}

mkdirSync(OUT, { recursive: true });
const sequences: Sequence[] = [
  { name: 'vtest', what: 'vtest.avi as it is (768x576, people ~50-130 px)', video: values.vtest, gt: path.join(values.gt, 'gt', 'gt.txt'), minHeight: 50 },
  placed('vtest-1080', 'vtest upscaled to 1440x1080, centred in 1920x1080 (people ~95-250 px)', 1.875, 240, 0),
  placed('vtest-half-1080', 'vtest at half size in a black 1920x1080 canvas (people ~25-65 px)', 0.5, 768, 396),
];
const load = { before: loadavg().map((v) => round(v, 2)) };
const rows: Record<string, unknown>[] = [];
for (const seq of sequences) {
  console.error(`${seq.name}: speed of ${MODELS.map((m) => m.name).join(', ')}`);
  const measured = await speeds(MODELS, keyframes(seq));
  for (const [i, model] of MODELS.entries()) {
    if (values['no-eval']) {
      rows.push({ sequence: seq.name, model: model.name, ...measured[i] });
      continue;
    }
    console.error(`${seq.name}: ${model.name} eval detect`);
    rows.push({ sequence: seq.name, model: model.name, ...measured[i], ...accuracy(model, seq), min_height: seq.minHeight });
  }
}
console.log(JSON.stringify({
  sequences: sequences.map(({ name, what }) => ({ name, what })),
  rows,
  loadavg: { ...load, after: loadavg().map((v) => round(v, 2)) },
}, null, 2));
