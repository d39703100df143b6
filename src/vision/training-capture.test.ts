import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { rootLogger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { Detection } from '../core/types.ts';
import { createDiskObjects } from '../objects/disk.ts';
import type { Objects } from '../objects/port.ts';
import { TrainingCapture, trainingKey, type AnalysedFrame } from './training-capture.ts';

const parsed = configSchema.parse({});
const config = { ...parsed.training, min_confidence: parsed.detection.uncertain_min };
const log = rootLogger.child({ component: 'test' });
const det = (confidence: number): Detection => ({ class: 'person', confidence, bbox: [10, 20, 60, 140] });
const frame = (over: Partial<AnalysedFrame> = {}): AnalysedFrame => ({
  cameraId: 'cam_001', timestamp: new Date('2025-01-20T14:30:05.123Z'), seq: 7, jpeg: Buffer.from('jpeg bytes'),
  width: 768, height: 576, model: 'centernet', detections: [det(0.9), det(0.45)], ...over,
});
const counted = async (camera: string, outcome: string): Promise<number> =>
  (await metrics.trainingFrames.get()).values.find((v) => v.labels.camera_id === camera && v.labels.outcome === outcome)?.value ?? 0;

async function keys(objects: Objects): Promise<string[]> {
  const all: string[] = [];
  for await (const o of objects.list('training-data')) all.push(o.key);
  return all.sort();
}

describe('TrainingCapture', () => {
  let dir: string;
  let objects: Objects;
  let now: number;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-training-'));
    objects = createDiskObjects(dir);
    now = Date.parse('2025-01-20T14:30:05Z');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the seed range 0.3-0.6 by default', () => {
    expect([config.min_confidence, config.max_confidence]).toEqual([0.3, 0.6]);
  });

  it('saves the frame and the inference JSON under auto/{camera}/{date}/{ts}-{seq}', async () => {
    const capture = new TrainingCapture(objects, config, log, () => now);
    const before = await counted('cam_001', 'saved');
    expect(await capture.offer(frame())).toBe(true);
    const key = 'auto/cam_001/2025-01-20/20250120T143005123Z-7';
    expect(trainingKey('cam_001', frame().timestamp, 7)).toBe(key);
    expect(await keys(objects)).toEqual([`${key}.jpg`, `${key}.json`]);
    expect((await objects.get('training-data', `${key}.jpg`)).toString()).toBe('jpeg bytes');
    const json = JSON.parse((await objects.get('training-data', `${key}.json`)).toString()) as Record<string, unknown>;
    expect(json).toMatchObject({
      flag: 'uncertain', camera_id: 'cam_001', timestamp: '2025-01-20T14:30:05.123Z', frame_seq: 7, model: 'centernet',
      width: 768, height: 576, image: `${key}.jpg`, uncertain_range: [0.3, 0.6],
      detections: [{ confidence: 0.9, uncertain: false, bbox: [10, 20, 60, 140] }, { confidence: 0.45, uncertain: true }],
    });
    expect(await counted('cam_001', 'saved')).toBe(before + 1);
  });

  it('ignores frames with no detection in [min, max)', async () => {
    const capture = new TrainingCapture(objects, config, log, () => now);
    for (const scores of [[], [0.29], [0.6], [0.95, 0.2]]) {
      expect(await capture.offer(frame({ detections: scores.map(det) })), String(scores)).toBe(false);
    }
    expect(await capture.offer(frame({ detections: [det(0.3)] }))).toBe(true);
    expect(await keys(objects)).toHaveLength(2);
  });

  it('rate-limits per camera: one per interval, at most max_per_hour', async () => {
    const capture = new TrainingCapture(objects, { ...config, min_interval_seconds: 30, max_per_hour: 3 }, log, () => now);
    const saved: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      saved.push(await capture.offer(frame({ seq: i, timestamp: new Date(now) })));
      now += 20_000;
    }
    // 0 s saved, 20 s too soon, 40 s saved, 60 s too soon, 80 s saved, then the hour's 3 are used
    expect(saved).toEqual([true, false, true, false, true, false, false, false, false, false]);
    // another camera has its own budget
    expect(await capture.offer(frame({ cameraId: 'cam_002' }))).toBe(true);
    // an hour after the first, its slot is free again
    now += 3_600_000 - 200_000 + 1;
    expect(await capture.offer(frame({ seq: 99 }))).toBe(true);
  });

  it('does nothing when auto capture is off', async () => {
    const capture = new TrainingCapture(objects, { ...config, auto_capture: false }, log, () => now);
    expect(await capture.offer(frame())).toBe(false);
    expect(await keys(objects)).toEqual([]);
  });

  it('survives a failing object store: false, counted, no throw', async () => {
    const broken: Objects = { ...objects, put: () => Promise.reject(new Error('disk full')) };
    const capture = new TrainingCapture(broken, config, log, () => now);
    const before = await counted('cam_009', 'failed');
    await expect(capture.offer(frame({ cameraId: 'cam_009' }))).resolves.toBe(false);
    expect(await counted('cam_009', 'failed')).toBe(before + 1);
  });
});
