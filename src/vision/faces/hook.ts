import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import type { AnalysedFrameEvent, FrameHook } from '../frame-hook.ts';
import { FaceTrackCollector, type TrackFaceSink } from './collector.ts';
import type { FaceEmbedder } from './types.ts';

export interface FaceHook {
  hook: FrameHook;
  /** stores the best face of every open track (the embedder stays open: its creator closes it) */
  close(): Promise<void>;
}

/**
 * The inference role's face stage: person tracks of each camera go to that camera's
 * FaceTrackCollector; ended tracks store their best face. Never makes a frame wait for faces.
 */
export function createFaceHook(opts: { config: Config['faces']; embedder: Pick<FaceEmbedder, 'embedFaceInCrop'>; sink: TrackFaceSink; log: Logger }): FaceHook {
  const { config, embedder, sink, log } = opts;
  const collectors = new Map<string, FaceTrackCollector>();
  const storing = new Set<Promise<void>>();
  const collectorFor = (cameraId: string): FaceTrackCollector => {
    let c = collectors.get(cameraId);
    if (!c) {
      c = new FaceTrackCollector({
        cameraId, embedder, sink, log,
        everyFrames: config.every_frames, maxAttempts: config.max_attempts, goodQuality: config.good_quality, minQuality: config.min_quality, maxInFlight: 2,
      });
      collectors.set(cameraId, c);
    }
    return c;
  };
  return {
    hook({ cameraId, frame, capturedAt, analysis }: AnalysedFrameEvent) {
      const collector = collectorFor(cameraId);
      collector.offer(frame.jpeg, capturedAt, analysis.detections);
      for (const t of analysis.ended) {
        const p = collector.trackEnded(t.trackId).finally(() => storing.delete(p));
        storing.add(p);
      }
    },
    async close() {
      await Promise.all([...storing, ...[...collectors.values()].map((c) => c.flush())]);
    },
  };
}
