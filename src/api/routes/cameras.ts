import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { CameraSource } from '../../config/live-cameras.ts';
import type { ResolvedCamera } from '../../config/load.ts';
import { cameraFor, callerSeesCamera } from '../../core/actor.ts';
import type { CameraStatusSource } from '../../core/camera-status.ts';
import { redact } from '../../core/redact.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { analysisLagSeconds, newestOf } from '../../vision/catchup/timeline.ts';
import { cameraDetailsSchema, cameraList, cameraParams, publicCameraSchema } from '../contract/cameras.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute } from '../route.ts';

export interface CameraRouteDeps {
  cameras: CameraSource;
  repos: Repositories;
  status: CameraStatusSource;
}

// PostgreSQL timestamps end in year 294276; this is far enough to reach an open gap
const FOREVER = new Date('9999-12-31T00:00:00Z');

function publicCamera(c: ResolvedCamera, status: CameraStatusSource): z.infer<typeof publicCameraSchema> {
  const s = status(c.id);
  return {
    id: c.id,
    name: c.name,
    site_id: c.siteId,
    timezone: c.timezone ?? 'UTC',
    dvr_id: c.dvrId ?? null,
    channel: c.channel ?? null,
    stream: c.stream,
    location: c.location ?? null,
    source: redact(c.url),
    detect: c.detect,
    retention_days: c.retentionDays,
    status: s?.state ?? 'stopped',
    connected: s?.connected ?? false,
    last_frame_at: s?.lastFrameAt ?? null,
  };
}

export function cameraRoutes(app: FastifyInstance, deps: CameraRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras', permission: 'cameras:read', tag: 'cameras', summary: 'List the cameras the caller may see, with their live state',
    query: noQuery, response: cameraList,
    handler: async ({ actor }) => ({ items: deps.cameras.list().filter((c) => callerSeesCamera(actor, c.id)).map((c) => publicCamera(c, deps.status)) }),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id', permission: 'cameras:read', tag: 'cameras', summary: 'Camera details: stream health and recording state',
    params: cameraParams, query: noQuery, response: cameraDetailsSchema,
    handler: async ({ params, actor }) => {
      const cam = cameraFor(actor, deps.cameras, params.id);
      const s = deps.status(cam.id);
      const rec = await deps.repos.segments.stats(cam.id);
      const openGap = (await deps.repos.segments.gaps(cam.id, new Date(), FOREVER)).find((g) => g.end_time === null);
      const analysis = await deps.repos.analysis.state(cam.id);
      return {
        ...publicCamera(cam, deps.status),
        health: {
          reconnects: s?.reconnects ?? 0,
          current_backoff_ms: s?.currentBackoffMs ?? 0,
          last_error: s?.lastError ? redact(s.lastError) : null,
          source_fps: s?.sourceFps ?? null,
          analysis_fps: s?.analysisFps ?? 0,
          bitrate_kbps: s?.bitrateKbps ?? 0,
        },
        recording: {
          state: s?.state === 'streaming' ? ('recording' as const) : ('not_recording' as const),
          last_segment_at: s?.lastSegmentAt ?? null,
          segments: rec.segments,
          bytes: rec.bytes,
          first: rec.first?.toISOString() ?? null,
          last: rec.last?.toISOString() ?? null,
          // why recording is interrupted right now (source lost, Vigil was down), stored with the gap
          open_gap: openGap ? { since: openGap.start_time.toISOString(), cause: redact(openGap.cause) } : null,
        },
        analysis: {
          cursor: analysis.cursor?.toISOString() ?? null,
          live_until: analysis.liveUntil?.toISOString() ?? null,
          lag_seconds: analysisLagSeconds(analysis.cursor, newestOf(analysis.liveUntil, rec.last)),
          holes: analysis.holes,
          unanalysed_seconds: Math.round(analysis.unanalysedSeconds),
        },
      };
    },
  });
}
