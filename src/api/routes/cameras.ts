import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResolvedCamera } from '../../config/load.ts';
import type { CameraStatusSource } from '../../core/camera-status.ts';
import { redact } from '../../core/redact.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { analysisLagSeconds } from '../../vision/catchup/timeline.ts';
import { addRoute, notFound } from '../route.ts';

export interface CameraRouteDeps {
  cameras: ResolvedCamera[];
  repos: Repositories;
  status: CameraStatusSource;
}

// PostgreSQL timestamps end in year 294276; this is far enough to reach an open gap
const FOREVER = new Date('9999-12-31T00:00:00Z');

const latest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

const cameraId = z.object({ id: z.string().max(64).describe('camera id') }).strict();

function publicCamera(c: ResolvedCamera, status: CameraStatusSource) {
  const s = status(c.id);
  return {
    id: c.id,
    name: c.name,
    site_id: c.siteId,
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
  const byId = new Map(deps.cameras.map((c) => [c.id, c]));

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras', tag: 'cameras', summary: 'List all cameras with their live state',
    query: z.object({}).strict(),
    handler: async () => ({ items: deps.cameras.map((c) => publicCamera(c, deps.status)) }),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id', tag: 'cameras', summary: 'Camera details: stream health and recording state',
    params: cameraId, query: z.object({}).strict(),
    handler: async ({ params }) => {
      const cam = byId.get(params.id);
      if (!cam) throw notFound(`no camera with id '${params.id}'`);
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
          fps: s?.fps ?? 0,
          bitrate_kbps: s?.bitrateKbps ?? 0,
        },
        recording: {
          state: s?.state === 'streaming' ? 'recording' : 'not_recording',
          last_segment_at: s?.lastSegmentAt ?? null,
          segments: rec.segments,
          bytes: rec.bytes,
          first: rec.first,
          last: rec.last,
          // why recording is interrupted right now (source lost, Vigil was down), stored with the gap
          open_gap: openGap ? { since: openGap.start_time, cause: redact(openGap.cause) } : null,
        },
        // the cursor: capture time up to which everything recorded is analysed (catch-up fills what live analysis missed)
        analysis: {
          cursor: analysis.cursor,
          live_until: analysis.liveUntil,
          lag_seconds: analysisLagSeconds(analysis.cursor, latest(analysis.liveUntil, rec.last)),
          holes: analysis.holes,
          unanalysed_seconds: Math.round(analysis.unanalysedSeconds),
        },
      };
    },
  });
}
