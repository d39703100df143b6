import type { FastifyInstance } from 'fastify';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor } from '../../core/actor.ts';
import { unavailable } from '../../core/errors.ts';
import { cameraStill } from '../../media/live/camera-still.ts';
import type { LiveFeeds } from '../../media/live/feeds.ts';
import type { LatestFrames } from '../../media/live/latest-frames.ts';
import { cameraParams, cameraSnapshotQuery } from '../contract/cameras.ts';
import { addRoute } from '../route.ts';

export interface CameraSnapshotDeps {
  cameras: CameraSource;
  latestFrames: LatestFrames;
  /** decodes the newest keyframe of a camera nobody analyses (its frames are not decoded otherwise) */
  liveFeeds?: LiveFeeds;
}


/** A still of what a camera sees now, at its source resolution (zones are drawn on it in those pixels). */
export function cameraSnapshotRoutes(app: FastifyInstance, deps: CameraSnapshotDeps): void {
  const still = cameraStill(deps);
  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id/snapshot.jpg', permission: 'cameras:read', tag: 'cameras', produces: 'image/jpeg', errors: [503],
    summary: 'What the camera sees now: its newest analysed frame, or its newest keyframe decoded (JPEG, source resolution; X-Frame-Time says when it was captured); 503 while the camera has sent none',
    params: cameraParams, query: cameraSnapshotQuery,
    handler: async ({ params, actor, reply }) => {
      const cam = cameraFor(actor, deps.cameras, params.id);
      const frame = await still(cam.id);
      if (!frame) throw unavailable(`camera ${cam.id} has sent no frame since Vigil started (offline, or still connecting)`, 'no_frame');
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store').header('x-frame-time', frame.at.toISOString()).send(frame.jpeg);
    },
  });
}
