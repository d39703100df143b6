import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import type { BBox, Detection } from '../core/types.ts';
import { CameraAnalyzer, modelRuns, type CameraAnalyzerOptions, type DetectFn } from './analyzer.ts';
import { intersects } from './motion/crop.ts';
import type { DetectOptions } from './detectors/types.ts';
import { Tracker, type TrackerUpdate } from './tracker.ts';

const W = 768;
const H = 576;
const cfg = configSchema.parse({});
const filter = { classes: ['person'], thresholds: { person: 0.5 }, default_threshold: 0.5, nms_iou: 0.5 };

/** Flat textured frame; each of `blocks` paints a bright rectangle (a "person"). */
function frame(seed: number, ...blocks: BBox[]): Promise<Buffer> {
  const px = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inBlock = blocks.some((b) => x >= b[0] && x < b[2] && y >= b[1] && y < b[3]);
      px[y * W + x] = inBlock ? 240 : 70 + ((x >> 4) % 2) * 40 + ((seed * 7 + x * 13 + y * 31) % 5);
    }
  }
  return sharp(px, { raw: { width: W, height: H, channels: 1 } }).jpeg().toBuffer();
}

/** Tracker stand-in: every detection scored ≥ 0.5 is a confirmed track, with an id per box position (it never coasts: coasting is off in these tests). */
const tracker = {
  update: (_ts: Date, dets: readonly Detection[]): TrackerUpdate => ({
    detections: dets.filter((d) => d.confidence >= 0.5).map((d) => ({ ...d, track_id: Math.round(d.bbox[0]) })), ended: [], improved: [],
  }),
  forecast: () => [],
  coast: (): TrackerUpdate => ({ detections: [], ended: [], improved: [] }),
};

/** A detector stand-in answering `found`, limited (like a real one) to the region it is shown. */
function setup(found: Detection[], extra: Partial<CameraAnalyzerOptions> = {}) {
  const calls: (DetectOptions | undefined)[] = [];
  const detect: DetectFn = async (_jpeg, opts) => {
    calls.push(opts);
    const r = opts?.region;
    const seen = found.filter((d) => !r || (d.bbox[0] >= r[0] && d.bbox[1] >= r[1] && d.bbox[2] <= r[2] && d.bbox[3] <= r[3]));
    return { width: W, height: H, detections: seen, inferenceMs: 1 };
  };
  const analyzer = new CameraAnalyzer({ cameraId: 'cam_t', detect, motion: cfg.motion, tracker, filter, uncertainMin: 0.3, ...extra });
  let t = 0;
  const analyze = async (jpeg: Buffer) => analyzer.analyze({ jpeg, timestamp: new Date(1_700_000_000_000 + (t += 1000)), seq: t });
  return { analyze, calls };
}

describe('CameraAnalyzer', () => {
  it('runs the full frame first, then skips the detector while nothing moves', async () => {
    const { analyze, calls } = setup([]);
    expect((await analyze(await frame(1))).ran).toBe('full');
    for (let i = 2; i < 6; i++) {
      const r = await analyze(await frame(i));
      expect(r.ran).toBe('none');
      expect(modelRuns(r)).toBe(0);
      expect(r.reason).toBe('no motion');
    }
    expect(calls).toHaveLength(1);
  });

  it('runs on a crop around motion, reports moving people and keeps uncertain ones apart', async () => {
    const person: BBox = [300, 200, 340, 300];
    const found: Detection[] = [];
    const { analyze, calls } = setup(found);
    await analyze(await frame(1));
    found.push(
      { class: 'person', confidence: 0.8, bbox: person },
      { class: 'person', confidence: 0.4, bbox: [330, 230, 360, 290] },
      { class: 'car', confidence: 0.9, bbox: [310, 210, 340, 260] },
    );
    const r = await analyze(await frame(2, person));
    expect(r.ran).toBe('crop');
    expect(r.region).toBeDefined();
    const [x1, y1, x2, y2] = r.region!;
    expect(x1 <= 300 && y1 <= 200 && x2 >= 340 && y2 >= 300).toBe(true);
    expect(calls[1]).toEqual({ region: r.region });
    expect(r.motion.regions.length).toBe(1);
    expect(r.detections.map((d) => d.bbox)).toEqual([person]);
    expect(r.uncertain.map((d) => d.confidence)).toEqual([0.4]);
  });

  it('holds a still person without motion and re-checks them every recheck_frames', async () => {
    const person: BBox = [300, 200, 340, 300];
    const found: Detection[] = [];
    const { analyze, calls } = setup(found);
    await analyze(await frame(1));
    found.push({ class: 'person', confidence: 0.8, bbox: person });
    await analyze(await frame(2, person)); // appears: motion, detected
    const runs: string[] = [];
    for (let i = 3; i < 3 + cfg.motion.recheck_frames + 1; i++) {
      const r = await analyze(await frame(i, person)); // stands still: no motion
      runs.push(r.ran);
      expect(r.detections.map((d) => d.bbox)).toEqual([person]);
    }
    expect(runs.filter((r) => r === 'none')).toHaveLength(cfg.motion.recheck_frames - 1);
    expect(runs.filter((r) => r !== 'none')).toHaveLength(2);
    expect(calls.length).toBe(2 + 2);
  });

  it('rechecks a still object far from the motion in its own crop, leaving the motion crop as small as without it', async () => {
    const still: BBox = [40, 40, 80, 140];
    const walker = (i: number): BBox => [560 + 20 * i, 400, 600 + 20 * i, 500];
    const found: Detection[] = [{ class: 'person', confidence: 0.8, bbox: still }];
    const { analyze, calls } = setup(found);
    await analyze(await frame(1));
    await analyze(await frame(2, still)); // appears: detected and held
    found.push({ class: 'person', confidence: 0.9, bbox: walker(3) });
    const plans = [];
    for (let i = 3; i < 4 + cfg.motion.recheck_frames; i++) {
      found[1]!.bbox = walker(i);
      plans.push(await analyze(await frame(i, still, walker(i))));
    }
    const side = (b: BBox) => b[2] - b[0];
    // the walker alone: one crop; then the still object falls due for its recheck
    const before = plans.find((p) => p.ran === 'crop' && !p.tiles)!;
    const due = plans.find((p) => p.tiles)!;
    expect(plans.indexOf(before)).toBeLessThan(plans.indexOf(due));
    // the joined crop would be most of the frame (so the full frame); apart, both are minimum-size crops
    expect(due.ran).toBe('crop');
    expect(side(due.region!)).toBe(side(before.region!));
    const recheck = due.recheck!;
    expect(due.tiles).toEqual([due.region, recheck]);
    expect(side(recheck)).toBe(cfg.motion.crop_min_size);
    expect(recheck[0] <= still[0] && recheck[1] <= still[1] && recheck[2] >= still[2] && recheck[3] >= still[3]).toBe(true);
    expect(calls.at(-1)).toEqual({ tiles: [due.region, recheck] });
    expect([before, due].map(modelRuns)).toEqual([1, 2]);
    expect(due.detections.map((d) => d.bbox)).toContainEqual(still);
  });

  it('does not report a static look-alike that never moves', async () => {
    const bin: BBox = [100, 400, 130, 470];
    const person: BBox = [500, 200, 540, 300];
    const { analyze } = setup([{ class: 'person', confidence: 0.7, bbox: bin }, { class: 'person', confidence: 0.9, bbox: person }]);
    const first = await analyze(await frame(1)); // the background is learnt: nothing has moved yet
    expect(first.ran).toBe('full');
    expect(first.detections).toEqual([]);
    const moving = await analyze(await frame(2, person));
    expect(moving.ran).toBe('crop');
    expect(moving.detections.map((d) => d.bbox)).toEqual([person]);
  });

  it('rejects a corrupt or empty frame by name and analyses the next one', async () => {
    const { analyze } = setup([]);
    await analyze(await frame(1));
    await expect(analyze(Buffer.alloc(0))).rejects.toThrow(/empty image \(0 bytes\)/);
    await expect(analyze(Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]))).rejects.toThrow(/not a decodable image|corrupt image/);
    expect((await analyze(await frame(2))).ran).toBe('none');
  });

  it('splits a large area into tiles and runs only the tiles holding motion', async () => {
    const person: BBox = [60, 60, 100, 160];
    // a large motion crop (max_crop_share 1 keeps it a crop) tiled at 300 px: the person is in the top-left tiles only
    const tiles = { enabled: true, max_side: 300, overlap: 0.2 };
    const { analyze, calls } = setup([{ class: 'person', confidence: 0.8, bbox: person }], { tiles, motion: { ...cfg.motion, crop_min_size: 700, max_crop_share: 1 } });
    const first = await analyze(await frame(1));
    // the background is learnt on a full frame: every tile runs
    expect(first.ran).toBe('full');
    expect(calls[0]!.tiles).toHaveLength(first.tiles!.length);
    expect(first.tiles!.length).toBe(9); // 3 × 3 over 768×576
    expect(modelRuns(first)).toBe(9);
    const moving = await analyze(await frame(2, person));
    expect(moving.ran).toBe('crop');
    expect(moving.tiles!.length).toBeGreaterThan(0);
    expect(moving.tiles!.length).toBeLessThan(first.tiles!.length);
    for (const t of moving.tiles!) expect(t[0] < person[2] && t[1] < person[3]).toBe(true);
    expect(calls[1]).toEqual({ tiles: moving.tiles });
  });

  it('keeps one run when the area fits max_side', async () => {
    const { analyze, calls } = setup([], { tiles: { enabled: true, max_side: 1280, overlap: 0.2 } });
    expect((await analyze(await frame(1))).tiles).toBeUndefined();
    expect(calls).toEqual([undefined]);
  });

  it('runs every full frame when gating is off', async () => {
    const detect: DetectFn = async () => ({ width: W, height: H, detections: [], inferenceMs: 1 });
    const analyzer = new CameraAnalyzer({ cameraId: 'c', detect, motion: { ...cfg.motion, enabled: false }, tracker, filter, uncertainMin: 0.3 });
    for (let i = 1; i < 4; i++) expect((await analyzer.analyze({ jpeg: await frame(i), timestamp: new Date(i * 1000), seq: i })).ran).toBe('full');
  });
});

describe('CameraAnalyzer with coasting (tracker-guided skipping)', () => {
  const person = (i: number): BBox => [100 + 30 * i, 200, 140 + 30 * i, 300];
  const coast = { enabled: true, max_frames: 3, margin: 0.25, max_uncertainty: 5 };

  /**
   * A person walking 30 px/s right at 1 fps (frame i shows person(i)), a second one appearing at
   * `newcomerFrom`, the real tracker, and a detector stand-in that finds what is painted inside the
   * region it is shown.
   */
  function walk(opts: { coast?: Partial<typeof coast>; newcomerFrom?: number; tracker?: Tracker; flicker?: BBox } = {}) {
    const newcomer: BBox = [600, 300, 640, 400];
    let shown: BBox[] = [];
    let calls = 0;
    const detect: DetectFn = async (_jpeg, o) => {
      calls++;
      const r = o?.region;
      const seen = shown.filter((b) => !r || (b[0] >= r[0] && b[1] >= r[1] && b[2] <= r[2] && b[3] <= r[3]));
      return { width: W, height: H, detections: seen.map((bbox) => ({ class: 'person', confidence: 0.9, bbox })), inferenceMs: 1 };
    };
    const analyzer = new CameraAnalyzer({ cameraId: 'cam_t', detect, motion: cfg.motion, tracker: opts.tracker ?? new Tracker(), filter, uncertainMin: 0.3, coast: { ...coast, ...opts.coast } });
    const step = async (i: number) => {
      shown = i === 0 ? [] : [person(i), ...(opts.newcomerFrom !== undefined && i >= opts.newcomerFrom ? [newcomer] : [])];
      // one picture per frame; a painted newcomer is a second bright block
      // a flicker (a lamp, a reflection) lights up on odd frames: motion the detector finds nothing in
      const lit = opts.flicker && i > 0 && i % 2 === 1 ? [opts.flicker] : [];
      const jpeg = await frame(i, ...shown, ...lit);
      return analyzer.analyze({ jpeg, timestamp: new Date(1_700_000_000_000 + i * 1000), seq: i });
    };
    return { step, calls: () => calls };
  }

  it('skips the detector while the walker\'s track explains the motion, reporting its predicted box under the same id', async () => {
    const { step, calls } = walk();
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await step(i));
    const coasted = results.filter((r) => r.coasted);
    expect(coasted.length).toBeGreaterThan(0);
    expect(calls()).toBe(12 - coasted.length);
    const ids = new Set(results.slice(1).flatMap((r) => r.detections.map((d) => d.track_id)));
    expect(ids.size).toBe(1);
    for (const r of coasted) {
      expect(r.ran).toBe('none');
      expect(r.reason).toMatch(/explained by 1 track/);
      expect(r.detections).toHaveLength(1);
      expect(r.detections[0]!.predicted).toBe(true);
      // the predicted box is moved onto the walker's motion (centred on its one region) and so overlaps where they are painted
      const [x1, y1, x2, y2] = r.detections[0]!.bbox;
      const [m] = r.motion.regions;
      expect((x1 + x2) / 2).toBeCloseTo((m![0] + m![2]) / 2, 6);
      expect((y1 + y2) / 2).toBeCloseTo((m![1] + m![3]) / 2, 6);
      expect(intersects(r.detections[0]!.bbox, person(results.indexOf(r)))).toBe(true);
    }
    // a detection the detector made is not flagged
    expect(results.filter((r) => r.ran !== 'none').flatMap((r) => r.detections).every((d) => d.predicted === undefined)).toBe(true);
  });

  it('coasts through motion the detector has just looked at and found nothing in (clutter)', async () => {
    const flicker: BBox = [600, 60, 660, 120];
    const { step } = walk({ flicker });
    const results = [];
    for (let i = 0; i < 14; i++) results.push(await step(i));
    const coastedWithFlicker = results.filter((r) => r.coasted && r.motion.regions.some((m) => intersects(m, flicker)));
    expect(coastedWithFlicker.length).toBeGreaterThan(0);
  });

  it('runs the detector at least every max_frames analysed frames', async () => {
    const { step } = walk({ coast: { max_frames: 1 } });
    const coasted: boolean[] = [];
    for (let i = 0; i < 12; i++) coasted.push((await step(i)).coasted === true);
    expect(coasted.some(Boolean)).toBe(true);
    for (let i = 1; i < coasted.length; i++) expect(coasted[i - 1] && coasted[i]).toBe(false);
  });

  it('runs the detector on motion no track explains', async () => {
    // without the newcomer frame 9 would coast (the detector runs on 4 and 8: 1–4 start and follow the track, 8 is the schedule)
    const { step } = walk({ newcomerFrom: 9 });
    for (let i = 0; i < 9; i++) await step(i);
    const arrival = await step(9);
    expect(arrival.coasted).toBeUndefined();
    expect(arrival.ran).not.toBe('none');
    expect(arrival.detections).toHaveLength(2);
  });

  it('runs the detector once a track\'s predicted position is too uncertain', async () => {
    // at 1 fps a followed track's centre is ~0.5 box heights unsure a second ahead, ~1 after a coasted frame
    const { step } = walk({ coast: { max_frames: 10, max_uncertainty: 0.8 } });
    const coasted: boolean[] = [];
    for (let i = 0; i < 12; i++) coasted.push((await step(i)).coasted === true);
    expect(coasted.some(Boolean)).toBe(true);
    for (let i = 1; i < coasted.length; i++) expect(coasted[i - 1] && coasted[i]).toBe(false);
  });

  it('keeps a track through coasted frames longer than its lost budget, with the same id', async () => {
    const tracker = new Tracker({ lostSeconds: 0.5, lostFrames: 1 });
    const { step } = walk({ tracker, coast: { max_frames: 3 } });
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await step(i));
    let longest = 0;
    for (let i = 0, run = 0; i < results.length; i++) longest = Math.max(longest, (run = results[i]!.coasted ? run + 1 : 0));
    expect(longest).toBeGreaterThanOrEqual(2);
    expect(results.flatMap((r) => r.ended)).toEqual([]);
    expect(new Set(results.slice(1).flatMap((r) => r.detections.map((d) => d.track_id))).size).toBe(1);
  });

  it('never coasts when off', async () => {
    const { step, calls } = walk({ coast: { enabled: false } });
    for (let i = 0; i < 8; i++) expect((await step(i)).coasted).toBeUndefined();
    expect(calls()).toBe(8);
  });
});
