import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResolvedCamera } from '../../config/load.ts';
import type { CameraStatusSource } from '../../core/camera-status.ts';
import { redact } from '../../core/redact.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { analysisLagSeconds, newestOf } from '../../vision/catchup/timeline.ts';
import { addRoute, notFound } from '../route.ts';

export interface CameraRouteDeps {
  cameras: ResolvedCamera[];
  repos: Repositories;
  status: CameraStatusSource;
}

// PostgreSQL timestamps end in year 294276; this is far enough to reach an open gap
const FOREVER = new Date('9999-12-31T00:00:00Z');

const cameraId = z.object({ id: z.string().max(64).describe('camera id') }).strict();
const time = z.iso.datetime();

const publicCameraSchema = z.object({
  id: z.string(),
  name: z.string(),
  site_id: z.string(),
  dvr_id: z.string().nullable(),
  channel: z.number().int().nullable(),
  stream: z.union([z.literal(0), z.literal(1)]).describe('0 = main stream, 1 = sub stream'),
  location: z.string().nullable(),
  source: z.string().describe('RTSP URL, credentials redacted'),
  detect: z.boolean(),
  retention_days: z.number(),
  status: z.enum(['starting', 'streaming', 'backoff', 'stopped']),
  connected: z.boolean(),
  last_frame_at: time.nullable(),
});

const cameraDetailsSchema = publicCameraSchema.extend({
  health: z.object({
    reconnects: z.number().int(),
    current_backoff_ms: z.number(),
    last_error: z.string().nullable().describe('why the stream failed last, naming the camera and the cause'),
    source_fps: z.number().nullable().describe('frames per second the camera sends, as its stream declares it (null until first connected)'),
    analysis_fps: z.number().describe('frames per second handed to analysis over the last 10 s: ~1 for keyframes only, analysis.fps in fps mode'),
    bitrate_kbps: z.number().describe('of the last recorded segment'),
  }),
  recording: z.object({
    state: z.enum(['recording', 'not_recording']),
    last_segment_at: time.nullable(),
    segments: z.number().int(),
    bytes: z.number(),
    first: time.nullable(),
    last: time.nullable(),
    open_gap: z.object({ since: time, cause: z.string() }).nullable().describe('why recording is interrupted right now'),
  }),
  analysis: z.object({
    cursor: time.nullable().describe('capture time up to which everything recorded is analysed (catch-up fills what live analysis missed)'),
    live_until: time.nullable().describe('capture time of the newest frame live analysis handled'),
    lag_seconds: z.number().describe('how far the cursor is behind the newest recorded video'),
    holes: z.number().int().describe('stretches of recording not analysed yet'),
    unanalysed_seconds: z.number().describe('their total length'),
  }),
});

function publicCamera(c: ResolvedCamera, status: CameraStatusSource): z.infer<typeof publicCameraSchema> {
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
    method: 'GET', url: '/api/v1/cameras', permission: 'cameras:read', tag: 'cameras', summary: 'List all cameras with their live state',
    query: z.object({}).strict(),
    handler: async () => ({ items: deps.cameras.map((c) => publicCamera(c, deps.status)) }),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id', permission: 'cameras:read', tag: 'cameras', summary: 'Camera details: stream health and recording state',
    params: cameraId, query: z.object({}).strict(), response: cameraDetailsSchema,
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
