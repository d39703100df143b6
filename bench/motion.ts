import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolveConfig } from '../src/config/load.ts';
import { evalDetect } from '../src/eval/runs.ts';
import { JpegStreamParser } from '../src/media/mjpeg-splitter.ts';
import { CameraAnalyzer, detectorFilter } from '../src/vision/analyzer.ts';
import { createDetectorPool } from '../src/vision/pool.ts';
import { Tracker, trackerOptions } from '../src/vision/tracker.ts';

/** PETS09-S2L1 ground truth beside the repository (test and bench use only, never shipped). */
const PETS09_GT = process.env.VIGIL_PETS09_GT ?? new URL('../../shared/data/pets09-s2l1/gt/gt.txt', import.meta.url).pathname;
/** PETS09's real capture rate (its AVI header says 10 fps). */
const PETS09_FPS = 7;

/** `seconds` frames of one still picture of the clip at 1 fps, with fresh sensor noise on each (ffmpeg's noise filter). */
function staticScene(video: string, seconds: number): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', video, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`cannot take a frame of ${video}: ${r.stderr?.toString().trim()}`);
  const noisy = spawnSync('ffmpeg', ['-v', 'error', '-loop', '1', '-f', 'png_pipe', '-i', 'pipe:0', '-vf', 'noise=alls=10:allf=t', '-frames:v', String(seconds), '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'], { input: r.stdout, maxBuffer: 256 << 20 });
  if (noisy.status !== 0) throw new Error(`cannot make the static scene: ${noisy.stderr?.toString().trim()}`);
  return new JpegStreamParser().push(noisy.stdout);
}

/** Detector runs on a static scene: the analyzer with the default configuration, one frame per second. */
async function staticRuns(frames: Buffer[]) {
  const cfg = resolveConfig({}, 'defaults').config;
  const { detection } = cfg;
  const filter = { classes: detection.classes, thresholds: detection.thresholds, default_threshold: detection.default_threshold, nms_iou: detection.nms_iou };
  const pool = await createDetectorPool({ model: detection.model, workers: 1, ...detectorFilter(filter, detection.score_floor) });
  try {
    const analyzer = new CameraAnalyzer({
      cameraId: 'static', detect: (j, o, f) => pool.detect(j, o, f), motion: cfg.motion, tracker: new Tracker(trackerOptions(cfg.tracking)), filter, uncertainMin: detection.uncertain_min,
    });
    const ran: Record<string, number> = { full: 0, crop: 0, none: 0 };
    for (const [i, jpeg] of frames.entries()) ran[(await analyzer.analyze({ jpeg, timestamp: new Date(i * 1000), seq: i })).ran]!++;
    return { frames: frames.length, detector_runs: ran, skipped_share: round(ran.none! / frames.length) };
  } finally {
    await pool.close();
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Motion gating: on vtest (PETS09-S2L1, scored against its ground truth when present) with the
 * gate on and off — detector runs (full / crop / none), frames skipped, precision and recall of
 * people ≥ 50 px — and on a static scene (one frame looped with sensor noise).
 */
export async function benchMotion(opts: { video: string; fps: number; staticSeconds: number }) {
  const out: Record<string, unknown> = {};
  if (existsSync(PETS09_GT)) {
    for (const [name, enabled] of [['gated', true], ['every_frame', false]] as const) {
      console.error(`vtest at ${opts.fps} fps, motion gating ${enabled ? 'on' : 'off'}`);
      const loaded = resolveConfig({ motion: { enabled } }, 'bench');
      const r = await evalDetect({ loaded, video: opts.video, gt: PETS09_GT, gtFormat: 'mot15', gtFps: PETS09_FPS, fps: opts.fps, minHeight: 50, cls: 'person' });
      const runs = r.detector_runs ?? {};
      const frames = r.frames_analysed ?? 0;
      out[`vtest_${name}`] = { frames, detector_runs: runs, skipped_share: frames > 0 ? round((runs.none ?? 0) / frames) : 0, precision: r.precision, recall: r.recall, ap50: r.ap50 };
    }
  } else {
    console.error(`skipping vtest accuracy: ${PETS09_GT} not found`);
  }
  console.error(`static scene, ${opts.staticSeconds} s`);
  out.static_scene = await staticRuns(staticScene(opts.video, opts.staticSeconds));
  return out;
}
