import { existsSync } from 'node:fs';
import { resolveConfig } from '../src/config/load.ts';
import { evalDetect } from '../src/eval/runs.ts';
import { createAnalysisPool, createCameraAnalyzer } from '../src/vision/analysis-setup.ts';
import { RunTally, type RunStats } from './capacity-stats.ts';
import { clipFrames, staticScene } from './scenes.ts';

/** PETS09-S2L1 ground truth beside the repository (test and bench use only, never shipped). */
const PETS09_GT = process.env.VIGIL_PETS09_GT ?? new URL('../../shared/data/pets09-s2l1/gt/gt.txt', import.meta.url).pathname;
/** PETS09's real capture rate (its AVI header says 10 fps). */
const PETS09_FPS = 7;

/** Detector runs of one camera over `frames` (one a second): the analyzer the inference role builds from the default configuration. */
async function gateRuns(frames: Buffer[]): Promise<RunStats> {
  const cfg = resolveConfig({}, 'defaults').config;
  const pool = await createAnalysisPool(cfg, { workers: 1 });
  try {
    const analyzer = createCameraAnalyzer(cfg, pool, 'bench');
    const tally = new RunTally();
    for (const [i, jpeg] of frames.entries()) tally.add(await analyzer.analyze({ jpeg, timestamp: new Date(i * 1000), seq: i }));
    return tally.summary();
  } finally {
    await pool.close();
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** vtest with the gate on or off, scored against PETS09-S2L1's ground truth (people ≥ 50 px). */
async function vtestRun(video: string, fps: number, gate: boolean) {
  console.error(`vtest at ${fps} fps, motion gating ${gate ? 'on' : 'off'}`);
  const loaded = resolveConfig({ motion: { enabled: gate } }, 'bench');
  const r = await evalDetect({ loaded, video, gt: PETS09_GT, gtFormat: 'mot15', gtFps: PETS09_FPS, fps, minHeight: 50, cls: 'person' });
  const plans = r.frames_by_plan ?? {};
  const frames = r.frames_analysed ?? 0;
  // the keys of the static scene's RunStats: detector_runs per plan, model_runs
  return { frames, detector_runs: plans, model_runs: r.detector_runs ?? 0, skipped_share: frames > 0 ? round((plans.none ?? 0) / frames) : 0, precision: r.precision, recall: r.recall, ap50: r.ap50 };
}

async function vtestAccuracy(video: string, fps: number) {
  const gated = await vtestRun(video, fps, true);
  const all = await vtestRun(video, fps, false);
  return {
    vtest_gated: gated,
    vtest_every_frame: all,
    vtest_inference_saved: round(1 - gated.model_runs / Math.max(1, all.model_runs)),
    vtest_recall_cost: round(all.recall - gated.recall),
    vtest_precision_gain: round(gated.precision - all.precision),
  };
}

/**
 * Motion gating: how much inference it saves and what recall it costs. On vtest (PETS09-S2L1,
 * people walking in almost every frame) with the gate on and off — detector runs (full / crop /
 * none), model runs, frames skipped, precision and recall of people ≥ 50 px (only the runs when the ground
 * truth is absent) — and on a static scene: vtest's empty background with sensor noise.
 */
export async function benchMotion(opts: { video: string; fps: number; staticSeconds: number }) {
  const out: Record<string, unknown> = {
    model_input: 'each detector run (full frame or crop) is one fixed-size model input (centernet 512x512): inference cost is proportional to runs; analysed_area_share is the share of source pixels the runs looked at',
  };
  if (existsSync(PETS09_GT)) {
    Object.assign(out, await vtestAccuracy(opts.video, opts.fps));
  } else {
    console.error(`vtest accuracy not measured: ${PETS09_GT} not found`);
    const clip = clipFrames(opts.video);
    const stride = Math.max(1, Math.round(PETS09_FPS / opts.fps));
    out.vtest_gated = await gateRuns(clip.filter((_, i) => i % stride === 0));
  }
  console.error(`static scene, ${opts.staticSeconds} s`);
  out.static_scene = { description: 'vtest\'s empty background (median of frames far apart) looped at 1 fps with fresh sensor noise per frame', ...await gateRuns(staticScene(opts.video, opts.staticSeconds)) };
  return out;
}
