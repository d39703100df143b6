/**
 * `npm run eval:material`: harder detection material built at run time from vtest.avi (PETS09 S2L1)
 * and its ground truth, so recall can be measured where people are small, at 1080p, cut by the
 * frame edge or behind DVR compression. The footage's licence allows test use only, so nothing
 * derived from it is committed: every sequence is written under .cache/eval-material/.
 *
 * Each sequence is written twice, from disjoint frames: `tune` (vtest frames 0–399) for tuning,
 * `holdout` (frames 400–794) kept out of tuning. A sequence is <name>/<split>/ with video.mp4,
 * gt/gt.txt (MOTChallenge 2015, boxes transformed with the pictures) and seqinfo.ini; manifest.json
 * lists them for `npm run eval:suite`.
 *
 * People more than half outside the picture (cut by the frame edge or by a crop) are written as
 * ignore regions (MOTChallenge "not considered"): neither found nor missed. A 3 px sliver of a
 * shoulder at the edge is no test of a detector; KITTI's hardest level likewise scores objects
 * truncated by at most 50 %.
 *
 * usage: npm run eval:material -- [--vtest FILE] [--gt FILE] [--out DIR] [--only NAME]... [--gt-only]
 *   --gt-only  rewrite only the ground truth, seqinfo.ini and manifest of sequences already built:
 *              x264 encodes are not bit-identical across builds, so runs compare on one build
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { area } from '../src/core/geometry.ts';
import type { BBox } from '../src/core/types.ts';
import { readGroundTruth, type Frames, type GtBox } from '../src/eval/mot-format.ts';

const { values } = parseArgs({
  options: {
    vtest: { type: 'string', default: '.cache/samples/vtest.avi' },
    gt: { type: 'string', default: '/work/shared/data/pets09-s2l1/gt/gt.txt' },
    out: { type: 'string', default: '.cache/eval-material' },
    only: { type: 'string', multiple: true },
    'gt-only': { type: 'boolean', default: false },
  },
});
const VTEST = values.vtest;
const OUT = values.out;
const SRC_W = 768;
const SRC_H = 576;
/** PETS09 S2L1 was captured at 7 fps (its AVI header says 10) */
const FPS = 7;
/** the detection target scores people from 50 px up; scaled-down material scales that with the picture */
const MIN_HEIGHT = 50;
/** a person with less than this share of their box in the picture is an ignore region */
const MIN_VISIBLE = 0.5;

const SPLITS = { tune: { first: 0, last: 399 }, holdout: { first: 400, last: 794 } } as const;
type Split = keyof typeof SPLITS;

/** One picture of vtest placed in the output: which frames, which part of it, how big, where. */
interface Placement {
  /** frames into the split where this placement's first output frame comes from */
  start: number;
  /** the part of the vtest frame used (default: all of it) */
  crop?: { x: number; y: number; w: number; h: number };
  sx: number;
  sy: number;
  x: number;
  y: number;
}

interface Material {
  name: string;
  what: string;
  width: number;
  height: number;
  /** false: the output is the placement alone, at its own size */
  canvas: boolean;
  placements: (length: number) => Placement[];
  /** output frames, from the split's length */
  frames: (length: number) => number;
  encode: string[];
}

const HIGH_QUALITY = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18'];
const full = (length: number) => length;

const MATERIALS: Material[] = [
  { name: 'canvas-third', what: 'each vtest frame at 1/3 size in a 1920x1080 canvas (people ~18-51 px)', width: 1920, height: 1080, canvas: true, placements: () => [{ start: 0, sx: 1 / 3, sy: 1 / 3, x: 1240, y: 620 }], frames: full, encode: HIGH_QUALITY },
  { name: 'canvas-half', what: 'each vtest frame at 1/2 size in a 1920x1080 canvas (people ~26-77 px)', width: 1920, height: 1080, canvas: true, placements: () => [{ start: 0, sx: 0.5, sy: 0.5, x: 760, y: 480 }], frames: full, encode: HIGH_QUALITY },
  { name: 'native-1080', what: 'vtest upscaled to fill 1080 lines (1440x1080 in a 1920x1080 canvas; people ~98-288 px)', width: 1920, height: 1080, canvas: true, placements: () => [{ start: 0, sx: 1.875, sy: 1.875, x: 240, y: 0 }], frames: full, encode: HIGH_QUALITY },
  {
    name: 'mosaic', what: '2x2 mosaic at 720x540 per tile (1920x1080), four quarters of the split side by side: every frame\'s people once, four times as many per picture',
    width: 1920, height: 1080, canvas: true, frames: (length) => Math.floor(length / 4),
    placements: (length) => [0, 1, 2, 3].map((k) => ({ start: k * Math.floor(length / 4), sx: 0.9375, sy: 0.9375, x: 120 + (k % 2) * 960, y: Math.floor(k / 2) * 540 })),
    encode: HIGH_QUALITY,
  },
  { name: 'edge-crop', what: 'the middle 480x360 of vtest at 3x (1440x1080): people cut by every edge of the frame', width: 1440, height: 1080, canvas: false, placements: () => [{ start: 0, crop: { x: 144, y: 108, w: 480, h: 360 }, sx: 3, sy: 3, x: 0, y: 0 }], frames: full, encode: HIGH_QUALITY },
  { name: 'dvr-jpeg', what: 'vtest at 960x1080 (a DVR main stream: 1080 lines squeezed to half width) in H.264 at 1 Mbit/s', width: 960, height: 1080, canvas: false, placements: () => [{ start: 0, sx: 1.25, sy: 1.875, x: 0, y: 0 }], frames: full, encode: ['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '1M', '-maxrate', '1M', '-bufsize', '2M', '-g', String(FPS * 4)] },
];

function ffmpeg(args: string[], input?: Buffer): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', ...args], { input, maxBuffer: 1 << 30 });
}

/**
 * The empty plaza: the per-pixel median of frames spread over the split (people walk, so each pixel
 * shows the ground most of the time). A canvas filled with it has no second copy of anyone.
 */
async function background(split: Split, file: string): Promise<void> {
  const { first, last } = SPLITS[split];
  const samples = 25;
  const step = Math.floor((last - first) / samples);
  const raw = ffmpeg(['-i', VTEST, '-vf', `select='between(n\\,${first}\\,${last})*not(mod(n-${first}\\,${step}))'`, '-fps_mode', 'passthrough', '-frames:v', String(samples), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const size = SRC_W * SRC_H * 3;
  const count = Math.floor(raw.length / size);
  const median = Buffer.alloc(size);
  const values = new Uint8Array(count);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < count; k++) values[k] = raw[k * size + i]!;
    values.sort();
    median[i] = values[count >> 1]!;
  }
  await sharp(median, { raw: { width: SRC_W, height: SRC_H, channels: 3 } }).resize(1920, 1080, { fit: 'fill' }).blur(2).png().toFile(file);
}

/** The filter graph: each placement's frames trimmed, cropped, scaled and laid over the canvas. */
function filterGraph(m: Material, placements: Placement[], split: Split, frames: number): string {
  const { first } = SPLITS[split];
  // every stream on a 1/FPS time base with frame n at pts n: overlay pairs the n-th frames exactly
  const chains: string[] = m.canvas ? [`[0:v]settb=1/${FPS},setpts=N[bg]`] : [];
  let last = m.canvas ? 'bg' : '';
  placements.forEach((p, j) => {
    const input = m.canvas ? j + 1 : j;
    const c = p.crop ?? { x: 0, y: 0, w: SRC_W, h: SRC_H };
    const from = first + p.start;
    const w = Math.round(c.w * p.sx);
    const h = Math.round(c.h * p.sy);
    chains.push(`[${input}:v]trim=start_frame=${from}:end_frame=${from + frames},settb=1/${FPS},setpts=N,crop=${c.w}:${c.h}:${c.x}:${c.y},scale=${w}:${h}:flags=bicubic[p${j}]`);
    if (!m.canvas) {
      last = `p${j}`;
      return;
    }
    chains.push(`[${last}][p${j}]overlay=x=${p.x}:y=${p.y}:shortest=1[o${j}]`);
    last = `o${j}`;
  });
  chains.push(`[${last}]format=yuv420p[out]`);
  return chains.join(';');
}

/** Ground truth of the output: each placement's boxes clipped to its part of the picture and moved with it. */
function transformGt(gt: Frames<GtBox>, placements: Placement[], split: Split, frames: number): string {
  const { first } = SPLITS[split];
  const lines: string[] = [];
  const r = (n: number) => Math.round(n * 100) / 100;
  for (let t = 1; t <= frames; t++) {
    placements.forEach((p, j) => {
      const c = p.crop ?? { x: 0, y: 0, w: SRC_W, h: SRC_H };
      // output frame t shows vtest frame (first + start + t − 1), 0-based: ground-truth frame first + start + t
      for (const box of gt.get(first + p.start + t) ?? []) {
        if (box.ignore) continue;
        const [x1, y1, x2, y2] = box.bbox;
        const clipped: BBox = [Math.max(x1, c.x), Math.max(y1, c.y), Math.min(x2, c.x + c.w), Math.min(y2, c.y + c.h)];
        const [ox1, oy1, ox2, oy2] = [(clipped[0] - c.x) * p.sx + p.x, (clipped[1] - c.y) * p.sy + p.y, (clipped[2] - c.x) * p.sx + p.x, (clipped[3] - c.y) * p.sy + p.y];
        if (ox2 - ox1 < 1 || oy2 - oy1 < 1) continue;
        const considered = area(clipped) >= MIN_VISIBLE * area(box.bbox) ? 1 : 0;
        lines.push([t, box.id + 1000 * j, r(ox1), r(oy1), r(ox2 - ox1), r(oy2 - oy1), considered, -1, -1, -1].join(','));
      }
    });
  }
  return `${lines.join('\n')}\n`;
}

export interface MaterialSequence {
  name: string;
  split: Split;
  what: string;
  video: string;
  gt: string;
  /** people shorter than this are not scored: 50 px scaled with the picture, so the same people count as on vtest */
  min_height: number;
}

const gt = readGroundTruth(values.gt, 'mot15');
const manifest: MaterialSequence[] = [];
for (const split of Object.keys(SPLITS) as Split[]) {
  const bg = path.join(OUT, `background-${split}.png`);
  mkdirSync(OUT, { recursive: true });
  if (!values['gt-only']) await background(split, bg);
  const length = SPLITS[split].last - SPLITS[split].first + 1;
  for (const m of MATERIALS.filter((x) => !values.only || values.only.includes(x.name))) {
    const dir = path.join(OUT, m.name, split);
    mkdirSync(path.join(dir, 'gt'), { recursive: true });
    const placements = m.placements(length);
    const frames = m.frames(length);
    const inputs = [...(m.canvas ? ['-loop', '1', '-framerate', String(FPS), '-i', bg] : []), ...placements.flatMap(() => ['-i', VTEST])];
    const video = path.join(dir, 'video.mp4');
    process.stderr.write(`${m.name}/${split}: ${frames} frames ${m.width}x${m.height}\n`);
    if (values['gt-only']) {
      if (!existsSync(video)) throw new Error(`${video} not found: --gt-only rewrites the ground truth of sequences already built`);
    } else ffmpeg(['-y', ...inputs, '-filter_complex', filterGraph(m, placements, split, frames), '-map', '[out]', '-frames:v', String(frames), '-fps_mode', 'passthrough', '-r', String(FPS), ...m.encode, video]);
    writeFileSync(path.join(dir, 'gt', 'gt.txt'), transformGt(gt, placements, split, frames));
    writeFileSync(path.join(dir, 'seqinfo.ini'), `[Sequence]\nname=${m.name}-${split}\nimDir=img1\nframeRate=${FPS}\nseqLength=${frames}\nimWidth=${m.width}\nimHeight=${m.height}\nimExt=.jpg\n`);
    const scale = Math.min(...placements.map((p) => p.sy));
    manifest.push({ name: m.name, split, what: m.what, video, gt: path.join(dir, 'gt', 'gt.txt'), min_height: Math.round(Math.min(MIN_HEIGHT, MIN_HEIGHT * scale)) });
  }
}
writeFileSync(path.join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stderr.write(`wrote ${manifest.length} sequences to ${OUT} (manifest.json)\n`);
