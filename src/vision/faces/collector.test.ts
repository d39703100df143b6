import { describe, expect, it } from 'vitest';
import { rootLogger } from '../../core/log.ts';
import type { BBox, Detection } from '../../core/types.ts';
import { FaceTrackCollector } from './collector.ts';
import { NoFaceError, type FaceResult } from './types.ts';

const person = (track_id: number, bbox: BBox = [0, 0, 40, 120]): Detection => ({ class: 'person', confidence: 0.9, bbox, track_id });
const face = (score: number): FaceResult => ({ embedding: [score, 1], box: [1, 1, 9, 11], quality: { score, sizePx: 10, sharpness: 100, frontal: 0.5, detScore: 0.9 } });

function setup(qualities: (number | 'none')[]) {
  const stored: { trackId: number; quality: number; eventKey: string }[] = [];
  let call = 0;
  const collector = new FaceTrackCollector({
    everyFrames: 2, maxAttempts: 3, goodQuality: 0.8, minQuality: 0.3, maxInFlight: 2, cameraId: 'cam_1', log: rootLogger,
    embedder: {
      embedFaceInCrop: async () => {
        const q = qualities[call++ % qualities.length]!;
        if (q === 'none') throw new NoFaceError('no face detected in the person crop');
        return face(q);
      },
    },
    sink: { recordTrackFace: async (f) => void stored.push({ trackId: f.trackId, quality: f.quality, eventKey: f.eventKey }) },
  });
  return { collector, stored, calls: () => call };
}

describe('FaceTrackCollector', () => {
  it('tries every K frames within the budget and stores the best face once when the track ends', async () => {
    const { collector, stored, calls } = setup([0.4, 'none', 0.7, 0.5]);
    for (let i = 0; i < 10; i++) {
      collector.offer(new Uint8Array(1), new Date(1000 * i), [person(7), { class: 'car', confidence: 0.9, bbox: [0, 0, 9, 9], track_id: 8 }]);
      await new Promise((r) => setImmediate(r));
    }
    expect(calls()).toBe(3); // frames 0, 2, 4; then the budget of 3 is spent
    await collector.trackEnded(7);
    await collector.trackEnded(7);
    expect(stored).toEqual([{ trackId: 7, quality: 0.7, eventKey: 'cam_1:7' }]);
    expect(collector.stats).toMatchObject({ attempts: 3, faces: 2, noFace: 1, stored: 1 });
  });

  it('stops trying a track whose face is already good, and stores nothing below the minimum quality', async () => {
    const good = setup([0.95]);
    for (let i = 0; i < 6; i++) {
      good.collector.offer(new Uint8Array(1), new Date(i), [person(1)]);
      await new Promise((r) => setImmediate(r));
    }
    expect(good.calls()).toBe(1);
    const poor = setup([0.1]);
    poor.collector.offer(new Uint8Array(1), new Date(0), [person(2)]);
    await poor.collector.flush();
    expect(poor.stored).toEqual([]);
  });
});
