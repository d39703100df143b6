import { existsSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile, loadConfigFile, resolveConfig, type LoadedConfig } from '../config/load.ts';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { assertFfmpeg } from '../core/system-deps.ts';
import { GT_FORMATS, type GtFormat } from '../eval/mot-format.ts';

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function nonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${value}"`);
  return n;
}

function existing(name: string, file: string | undefined): string | undefined {
  if (file !== undefined && !existsSync(file)) throw new UsageError(`--${name} ${file}: no such file`);
  return file;
}

/** Progress on stderr: a bar on a terminal, a line every 10 % otherwise. */
function progress(label: string): (done: number, total: number) => void {
  const started = Date.now();
  let lastDecile = -1;
  return (done, total) => {
    const fps = done / Math.max((Date.now() - started) / 1000, 1e-3);
    const status = `${label} ${done}/${total} frames, ${fps.toFixed(1)} frames/s`;
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${status}${done === total ? '\n' : ''}`);
    } else if (Math.floor((done / total) * 10) > lastDecile) {
      lastDecile = Math.floor((done / total) * 10);
      process.stderr.write(`${status}\n`);
    }
  };
}

/** The configuration eval runs with: the given file, else $VIGIL_CONFIG or ./vigil.yaml, else the defaults. */
export function configFrom(file: string | undefined): LoadedConfig {
  const configFile = findConfigFile(file);
  return configFile ? loadConfigFile(path.resolve(configFile)) : resolveConfig({}, 'defaults');
}

async function faces(values: Record<string, string | boolean | undefined>): Promise<unknown> {
  const pairs = existing('pairs', values.pairs as string | undefined);
  const images = existing('images', values.images as string | undefined);
  if (!pairs || !images) throw new UsageError('eval faces needs --pairs CSV and --images DIR');
  const model = configFrom(values.config as string | undefined).config.faces.embedder;
  // loaded here: the face models are not needed by detect and track
  const { runFaceEval } = await import('../eval/faces-runner.ts');
  return { command: 'faces', ...(await runFaceEval({ pairs, images, model })) };
}

export const spec = {
  name: 'eval',
  summary: 'Measure accuracy against ground truth (detect, track, faces); prints JSON.',
  usage: [
    'detect --gt FILE (--video FILE|DIR | --detections FILE) [options]',
    'track  --gt FILE (--video FILE|DIR | --tracks FILE) [options]',
    'faces  --pairs CSV --images DIR [--config FILE]',
  ],
  allowPositionals: true,
  options: {
    video: { type: 'string', value: 'FILE|DIR', description: 'video file, or a folder of frame images (e.g. MOT img1/)' },
    gt: { type: 'string', value: 'FILE', description: 'ground truth, MOTChallenge format' },
    'gt-format': { type: 'string', default: 'mot15', value: GT_FORMATS.join('|'), description: 'ground-truth format' },
    fps: { type: 'string', value: 'N', description: 'analyse and score only the frames sampled at N per second (1: what keyframe-only cameras see; default: every frame)' },
    'gt-fps': { type: 'string', value: 'N', description: 'frame rate of the sequence when there is no seqinfo.ini beside gt/ (default: the video header\'s)' },
    class: { type: 'string', default: 'person', value: 'NAME', description: 'class scored' },
    'min-height': { type: 'string', value: 'PX', description: 'people shorter than this are not scored (default 50 for detect, 0 for track)' },
    config: { type: 'string', short: 'c', value: 'FILE', description: 'config whose detection, tracking and motion settings are used (default: $VIGIL_CONFIG, ./vigil.yaml, else the defaults)' },
    camera: { type: 'string', value: 'ID', description: 'use this camera\'s motion mask from the config' },
    detections: { type: 'string', value: 'FILE', description: 'detect: score these detections (MOT format with scores, e.g. from --save-detections) instead of running the detector' },
    'save-detections': { type: 'string', value: 'FILE', description: 'detect: write the reported detections in MOT format, with their scores and track ids' },
    tracks: { type: 'string', value: 'FILE', description: 'track: score these tracks (MOT format) instead of running the tracker' },
    'save-tracks': { type: 'string', value: 'FILE', description: 'track: write the tracks in MOT format' },
    pairs: { type: 'string', value: 'CSV', description: 'faces: verification pairs, CSV with columns file_x,file_y,Decision (Yes/No)' },
    images: { type: 'string', value: 'DIR', description: 'faces: folder of the pair images' },
  },
  notes: 'JSON on stdout; progress, warnings and logs on stderr. Ground-truth frame n is the n-th decoded frame of the video (or the n-th image of a folder, e.g. img1/); frames the video lacks count their people as missed. Ground-truth boxes are clipped to the frame (seqinfo.ini imWidth x imHeight, else the video size).',
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { values, positionals: [sub, ...extra] } = args;
  if (sub === 'help' || extra[0] === 'help') {
    process.stdout.write(`${helpText(spec)}\n`);
    return;
  }
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  let result: unknown;
  if (sub === 'faces') {
    result = await faces(values);
  } else if (sub === 'detect' || sub === 'track') {
    const format = values['gt-format'] as GtFormat;
    if (!GT_FORMATS.includes(format)) throw new UsageError(`--gt-format must be one of ${GT_FORMATS.join(', ')}, got "${format}"`);
    const gt = existing('gt', values.gt);
    if (!gt) throw new UsageError(`eval ${sub} needs --gt FILE`);
    const video = existing('video', values.video);
    const tracks = existing('tracks', values.tracks);
    const detections = existing('detections', values.detections);
    if (sub === 'detect' && !video === !detections) throw new UsageError('eval detect needs exactly one of --video FILE or --detections FILE');
    if (sub === 'track' && !video === !tracks) throw new UsageError('eval track needs exactly one of --video FILE or --tracks FILE');
    if (video) assertFfmpeg();
    const common = {
      gt, gtFormat: format, video, cls: values.class, camera: values.camera,
      fps: positive('fps', values.fps), gtFps: positive('gt-fps', values['gt-fps']),
      // people under 50 px are not scored for detection (the detection target counts people from 50 px up); tracking is scored the MOTChallenge way
      minHeight: nonNegative('min-height', values['min-height'] ?? (sub === 'detect' ? '50' : '0')),
      loaded: configFrom(values.config), onFrame: progress(`eval ${sub}`),
    };
    const { evalDetect, evalTrack } = await import('../eval/runs.ts');
    result = sub === 'detect' ? await evalDetect({ ...common, detections, saveDetections: values['save-detections'] }) : await evalTrack({ ...common, tracks, saveTracks: values['save-tracks'] });
  } else {
    throw new UsageError(sub ? `unknown eval command "${sub}"` : 'missing eval command (detect, track or faces)');
  }
  console.log(JSON.stringify(result, null, 2));
}
