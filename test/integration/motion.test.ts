import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { decodeFrames } from '../../src/eval/video-frames.ts';
import { CameraAnalyzer, detectorFilter, type FrameAnalysis } from '../../src/vision/analyzer.ts';
import { createDetectorPool, type DetectorPool } from '../../src/vision/pool.ts';
import { Tracker, trackerOptions } from '../../src/vision/tracker.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../.cache/samples/vtest.avi');
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!hasFfmpeg && 'ffmpeg', !existsSync(SAMPLE) && `the sample clip ${SAMPLE} (npm run fetch-sample)`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping motion integration test: ${missing.join(', ')} not found`);

/** 60 frames of vtest at its real 7 fps: pedestrians walking across a still square */
const FRAMES = 60;
const CORRUPT_AT = 30;

describe.skipIf(missing.length > 0)('motion-gated analysis of vtest', () => {
  let pool: DetectorPool;
  const results: FrameAnalysis[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    const { config } = resolveConfig({}, 'test');
    const { detection } = config;
    const filter = { classes: detection.classes, thresholds: detection.thresholds, default_threshold: detection.default_threshold, nms_iou: detection.nms_iou };
    pool = await createDetectorPool({ model: detection.model, workers: 1, ...detectorFilter(filter, detection.score_floor) });
    const analyzer = new CameraAnalyzer({
      cameraId: 'vtest', detect: (j, o, f) => pool.detect(j, o, f), motion: config.motion,
      tracker: new Tracker(trackerOptions(config.tracking)), filter, uncertainMin: detection.uncertain_min,
    });
    for await (const { frame, jpeg } of decodeFrames(SAMPLE, { last: FRAMES })) {
      const timestamp = new Date(Date.UTC(2024, 0, 1) + (frame * 1000) / 7);
      if (frame === CORRUPT_AT) {
        // a truncated frame and an empty one: each rejected by name, the camera goes on
        for (const bad of [jpeg.subarray(0, 600), Buffer.alloc(0)]) {
          await analyzer.analyze({ jpeg: bad, timestamp, seq: frame }).catch((e: Error) => failures.push(e.message));
        }
      }
      results.push(await analyzer.analyze({ jpeg, timestamp, seq: frame }));
    }
  }, 120_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('analyses every good frame and names the bad ones', () => {
    expect(results).toHaveLength(FRAMES);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/corrupt image|not a decodable image/);
    expect(failures[1]).toMatch(/empty image \(0 bytes\)/);
  });

  it('gates the detector on motion: crops around the walkers, the full frame only when needed', () => {
    expect(results[0]!.ran).toBe('full');
    expect(results.slice(1).every((r) => r.motion.regions.length > 0)).toBe(true);
    expect(results.filter((r) => r.ran === 'crop').length).toBeGreaterThan(0);
    for (const r of results.filter((x) => x.ran === 'crop')) {
      const [x1, y1, x2, y2] = r.region!;
      expect(x2 - x1).toBeGreaterThanOrEqual(320);
      expect(x2 <= r.width && y2 <= r.height && x1 >= 0 && y1 >= 0).toBe(true);
    }
  });

  it('still finds the people, with track ids', () => {
    const late = results.slice(10);
    const people = late.map((r) => r.detections.filter((d) => d.class === 'person'));
    // vtest has 4 to 8 pedestrians in view in these frames
    expect(people.filter((p) => p.length >= 3).length).toBeGreaterThan(late.length * 0.8);
    expect(people.flat().filter((d) => d.track_id !== undefined).length).toBeGreaterThan(people.flat().length * 0.8);
  });
});
