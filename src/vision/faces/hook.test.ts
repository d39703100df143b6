import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { rootLogger } from '../../core/log.ts';
import type { AnalysedFrameEvent } from '../frame-hook.ts';
import type { FrameAnalysis } from '../analyzer.ts';
import { createFaceHook } from './hook.ts';
import type { FaceEmbedder } from './types.ts';

function event(cameraId: string, trackIds: number[], ended: number[]): AnalysedFrameEvent {
  const analysis = {
    width: 768, height: 576, uncertain: [], improved: [], motion: { regions: [], ratio: 0 },
    detections: trackIds.map((track_id) => ({ class: 'person', confidence: 0.9, bbox: [10, 10, 50, 130], track_id })),
    ended: ended.map((trackId) => ({ trackId, label: 'person', startTime: new Date(0), lastTime: new Date(0), hits: 3, maxConfidence: 0.9 })),
  } as unknown as FrameAnalysis;
  return { cameraId, capturedAt: new Date(0), analysis, frame: { camera_id: cameraId, timestamp: new Date(0).toISOString(), seq: 1, width: 768, height: 576, jpeg: Buffer.from([1]) } };
}

describe('face hook', () => {
  it('stores one face per ended person track per camera, and the open ones on close', async () => {
    const stored: string[] = [];
    let closed = false;
    const embedder: FaceEmbedder = {
      model: 'faceres', dim: 2,
      embedImage: () => Promise.reject(new Error('unused')),
      embedFaceInCrop: async () => ({ embedding: [1, 0], box: [12, 12, 20, 22], quality: { score: 0.6, sizePx: 10, sharpness: 400, frontal: 0.7, detScore: 0.9 } }),
      close: async () => void (closed = true),
    };
    const faces = createFaceHook({
      config: configSchema.parse({}).faces, embedder, log: rootLogger,
      sink: { recordTrackFace: async (f) => void stored.push(f.eventKey) },
    });
    await faces.hook(event('cam_a', [1, 2], []));
    await faces.hook(event('cam_b', [1], []));
    await faces.hook(event('cam_a', [2], [1]));
    await faces.close();
    expect(stored.sort()).toEqual(['cam_a:1', 'cam_a:2', 'cam_b:1']);
    expect(closed).toBe(false); // shared: the role context closes it
  });
});
