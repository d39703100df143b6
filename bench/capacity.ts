import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema } from '../src/config/schema.ts';
import { createAnalysisPool, createCameraAnalyzer } from '../src/vision/analysis-setup.ts';
import type { CameraAnalyzer } from '../src/vision/analyzer.ts';
import { FrameLane } from '../src/vision/frame-lane.ts';
import { DroppedFrameError, type DetectorPool } from '../src/vision/pool.ts';
import { MAX_DROPPED_SHARE, MAX_LATENCY_GROWTH_MS, StepTally, sustainable, type StepSummary } from './capacity-stats.ts';
import { clipFrames, staticScene } from './scenes.ts';

/** vtest's real capture rate: a 1-fps camera sees every 7th decoded frame. */
const VTEST_FPS = 7;
export const FRAME_INTERVAL_MS = 1000;
/** Golden-ratio spacing spreads any number of cameras evenly over the second and over the clip. */
export const GOLDEN = 0.6180339887;
const STATIC_FRAMES = 60;
/** After a step, how long its last frames may take to finish before it is summarised (later ones count as unfinished). */
const GRACE_MS = 2000;
/** Share of the cores the full-CPU estimate lets the analysis use: a pool at 100 % has no slack for bursts. */
const USABLE_CPU = 0.9;

export type Config = ReturnType<typeof configSchema.parse>;
type Scene = 'vtest' | 'mixed';

const SCENES: Record<Scene, string> = {
  vtest: 'every camera shows vtest (PETS09-S2L1: people walking in almost every frame, so the motion gate rarely skips)',
  mixed: 'even cameras show vtest, odd cameras a static scene (vtest\'s empty background with sensor noise: nothing moves), as on a site where most cameras are quiet',
};

interface Offer {
  jpeg: Buffer;
  at: number;
  seq: number;
  step?: StepTally;
}

export const frac = (x: number): number => x - Math.floor(x);

/**
 * One 1-fps camera as the inference role runs it: a frame lane (bounded, oldest dropped) in front
 * of its own CameraAnalyzer (motion gate → shared detector pool → tracker), frames offered every
 * second at the camera's own phase.
 */
export class VirtualCamera {
  /** the step whose tally new offers count in (undefined while warming up) */
  step?: StepTally;
  private readonly lane: FrameLane<Offer>;
  private readonly analyzer: CameraAnalyzer;
  private timer?: NodeJS.Timeout;
  private tick = 0;
  private stopping = false;

  constructor(id: string, cfg: Config, pool: DetectorPool, private readonly source: (tick: number) => Buffer) {
    this.analyzer = createCameraAnalyzer(cfg, pool, id);
    this.lane = new FrameLane<Offer>(cfg.detection.queue_per_camera, (o) => this.analyse(o), (o) => {
      if (!this.stopping) o.step?.drop('lane');
    }, (o) => o.step?.fail());
  }

  start(phaseMs: number): void {
    this.timer = setTimeout(() => {
      this.offer();
      this.timer = setInterval(() => this.offer(), FRAME_INTERVAL_MS);
    }, phaseMs);
  }

  /** Stops offering (frames still waiting are not counted as dropped); resolves once the frame being analysed is done. */
  close(): Promise<void> {
    clearTimeout(this.timer);
    this.stopping = true;
    return this.lane.close();
  }

  private offer(): void {
    const at = Date.now();
    this.step?.offer(at);
    this.lane.offer({ jpeg: this.source(this.tick), at, seq: this.tick++, step: this.step });
  }

  private async analyse(o: Offer): Promise<void> {
    try {
      const analysis = await this.analyzer.analyze({ jpeg: o.jpeg, timestamp: new Date(o.at), seq: o.seq });
      o.step?.done(o.at, Date.now(), analysis);
    } catch (err) {
      if (err instanceof DroppedFrameError) o.step?.drop(err.reason);
      else o.step?.fail();
    }
  }
}

export type StepResult = StepSummary & {
  /** a second measurement of a count that failed once (the CPU is shared: one spike should not end the ramp) */
  retry?: true;
  /** CPU of this process (detector workers, motion, tracking): cores used, share of all cores, CPU ms per offered frame */
  cpu: { cores_used: number; utilisation: number; ms_per_frame: number };
  /** the machine's 1-minute load average at the end of the step */
  load_1m: number;
  sustainable: boolean;
};

const round2 = (n: number): number => Math.round(n * 100) / 100;

interface RampOptions {
  cfg: Config;
  pool: DetectorPool;
  cameras: number[];
  source: (camera: number) => (tick: number) => Buffer;
  warmupMs: number;
  measureMs: number;
}

/** Called right as the measured window opens and closes (e.g. to read a server's counters over exactly that window). */
export interface WindowHooks {
  opened(): Promise<void>;
  closed(): Promise<void>;
}

/** Measures the running cameras for measureMs; frames offered then may finish during the grace after it. */
export async function measure(cams: VirtualCamera[], measureMs: number, hooks?: WindowHooks): Promise<StepResult> {
  await hooks?.opened();
  const tally = new StepTally(cams.length, Date.now());
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const c of cams) c.step = tally;
  await sleep(measureMs);
  for (const c of cams) c.step = undefined;
  await hooks?.closed();
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  const load = os.loadavg()[0]!;
  await sleep(GRACE_MS);
  const summary = tally.summary();
  const cpuMs = (used.user + used.system) / 1000;
  return {
    ...summary,
    cpu: { cores_used: round2(cpuMs / wallMs), utilisation: round2(cpuMs / wallMs / os.availableParallelism()), ms_per_frame: Math.round(cpuMs / Math.max(1, summary.offered)) },
    load_1m: round2(load),
    sustainable: sustainable(summary),
  };
}

/**
 * Adds cameras count by count (earlier cameras keep running, so only the new ones learn their
 * background during the warm-up) and measures each count; a count that fails is measured once
 * more, and the ramp stops at the first count that fails twice.
 */
async function ramp(opts: RampOptions) {
  const cams: VirtualCamera[] = [];
  const steps: StepResult[] = [];
  try {
    for (const n of opts.cameras) {
      while (cams.length < n) {
        const i = cams.length;
        const cam = new VirtualCamera(`cam${i}`, opts.cfg, opts.pool, opts.source(i));
        cam.start(frac(i * GOLDEN) * FRAME_INTERVAL_MS);
        cams.push(cam);
      }
      console.error(`  ${n} cameras: ${opts.warmupMs / 1000} s warm-up, ${opts.measureMs / 1000} s measured`);
      await sleep(opts.warmupMs);
      let step = await measure(cams, opts.measureMs);
      steps.push(step);
      if (!step.sustainable) {
        console.error(`  ${n} cameras: not sustained (dropped ${step.dropped_share}), measuring again`);
        step = { ...await measure(cams, opts.measureMs), retry: true };
        steps.push(step);
      }
      if (!step.sustainable) break;
    }
  } finally {
    await Promise.all(cams.map((c) => c.close()));
  }
  const best = steps.filter((s) => s.sustainable).at(-1);
  return {
    sustainable_cameras: best?.cameras ?? 0,
    // what the same frames would allow if this process had every core to itself (the CPU is shared while measuring)
    cameras_at_full_cpu_estimate: best ? Math.floor((os.availableParallelism() * USABLE_CPU * FRAME_INTERVAL_MS) / best.cpu.ms_per_frame) : null,
    steps,
  };
}

export interface CapacityOptions {
  /** vtest.avi, or a copy of it at another resolution */
  video: string;
  /** detection, motion and tracking settings (default: the defaults) */
  config?: Config;
  /** camera counts tried in order, per scene */
  cameras: Record<Scene, number[]>;
  warmupSeconds: number;
  measureSeconds: number;
}

/** Camera i's frames: vtest at 1 fps (every 7th decoded frame), each camera from its own point in the clip. */
export function busyCameras(video: string): (camera: number) => (tick: number) => Buffer {
  const clip = clipFrames(video);
  const stride = Math.round(VTEST_FPS * FRAME_INTERVAL_MS / 1000);
  return (i) => {
    const offset = Math.floor(frac(i * GOLDEN) * clip.length);
    return (tick) => clip[(offset + tick * stride) % clip.length]!;
  };
}

/**
 * How many 1-fps cameras the detector pool (all cores) sustains with motion gating: virtual
 * cameras, each with its own frame lane and CameraAnalyzer as in the inference role, share one
 * pool; frames are decoded into memory beforehand, so the process does only the product's work
 * (motion, detection, tracking). Per camera count: frames offered / analysed / dropped,
 * offer → analysis latency, process CPU, detector runs.
 */
export async function benchCapacity(opts: CapacityOptions) {
  const cfg = opts.config ?? configSchema.parse({});
  const { detection } = cfg;
  console.error(`capacity: decoding ${opts.video} and making the static scene`);
  const vtest = busyCameras(opts.video);
  const still = staticScene(opts.video, STATIC_FRAMES);
  const quiet = (i: number) => (tick: number) => still[(i + tick) % still.length]!;
  const sources: Record<Scene, (i: number) => (tick: number) => Buffer> = { vtest, mixed: (i) => (i % 2 === 0 ? vtest(i) : quiet(i)) };

  // the pool the inference role builds (src/roles/inference.ts)
  const pool = await createAnalysisPool(cfg, { maxQueuePerCamera: detection.queue_per_camera, deadlineMs: detection.max_frame_age_seconds * 1000, maxBatch: detection.batch_size, batchWindowMs: detection.batch_window_ms });
  const workers = pool.size;
  const loadStart = os.loadavg();
  const scenes: Record<string, unknown> = {};
  try {
    for (const scene of Object.keys(SCENES) as Scene[]) {
      console.error(`capacity, ${scene} scene: ${opts.cameras[scene].join(', ')} cameras`);
      const r = await ramp({ cfg, pool, cameras: opts.cameras[scene], source: sources[scene], warmupMs: opts.warmupSeconds * 1000, measureMs: opts.measureSeconds * 1000 });
      scenes[scene] = { description: SCENES[scene], ...r };
    }
  } finally {
    await pool.close();
  }
  return {
    model: detection.model, video: opts.video, tiles: detection.tiles, coast: detection.coast, tracking: cfg.tracking, workers, frames_per_second_per_camera: 1000 / FRAME_INTERVAL_MS,
    warmup_seconds: opts.warmupSeconds, measure_seconds: opts.measureSeconds,
    sustainable_rule: `dropped ≤ ${MAX_DROPPED_SHARE * 100} % of offered frames and median latency of the step's last third ≤ its first third + ${MAX_LATENCY_GROWTH_MS} ms; a count that fails is measured again; a scene's ramp stops at the first count that fails twice`,
    load_average: { start: loadStart.map(round2), end: os.loadavg().map(round2) },
    target_cameras: 32,
    scenes,
  };
}
