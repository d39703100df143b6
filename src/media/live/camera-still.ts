import type { LiveFeeds } from './feeds.ts';
import type { LatestFrame, LatestFrames } from './latest-frames.ts';

// an analysed frame this recent is what the camera sees now; older, and the newest keyframe is decoded instead
const FRESH_FRAME_MS = 5_000;

export type CameraStill = (cameraId: string) => Promise<LatestFrame | undefined>;

/**
 * What a camera sees now: its newest analysed frame while fresh, else its newest keyframe decoded
 * (once per keyframe: a camera nobody analyses decodes nothing otherwise), else the last analysed
 * frame there is; undefined when the camera has sent nothing yet.
 */
export function cameraStill(deps: { latestFrames?: LatestFrames; liveFeeds?: LiveFeeds }): CameraStill {
  return async (cameraId) => {
    const analysed = deps.latestFrames?.get(cameraId);
    const feed = deps.liveFeeds?.get(cameraId);
    if (!feed || (analysed && Date.now() - analysed.at.getTime() < FRESH_FRAME_MS)) return analysed;
    return feed.snapshot().catch(() => analysed);
  };
}
