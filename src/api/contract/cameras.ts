import { z } from 'zod';
import { cameraId } from './types.ts';

export const cameraParams = z.object({ id: cameraId }).strict();
/** `t` is not read: a page changes it to get a new picture rather than the one its browser holds. */
export const cameraSnapshotQuery = z.object({ t: z.string().max(32).optional().describe('any value; a new one asks for a new picture past caches') }).strict();

const isoTime = z.iso.datetime();

export const publicCameraSchema = z.object({
  id: z.string(),
  name: z.string(),
  site_id: z.string(),
  timezone: z.string().describe('the site\'s IANA time zone: times shown to people are in it'),
  dvr_id: z.string().nullable(),
  channel: z.number().int().nullable(),
  stream: z.union([z.literal(0), z.literal(1)]).describe('0 = main stream, 1 = sub stream'),
  location: z.string().nullable(),
  source: z.string().describe('RTSP URL, credentials redacted'),
  detect: z.boolean(),
  retention_days: z.number(),
  status: z.enum(['starting', 'streaming', 'backoff', 'stopped']),
  connected: z.boolean(),
  last_frame_at: isoTime.nullable(),
});

export const cameraList = z.object({ items: z.array(publicCameraSchema) });

export const cameraDetailsSchema = publicCameraSchema.extend({
  health: z.object({
    reconnects: z.number().int(),
    current_backoff_ms: z.number(),
    last_error: z.string().nullable().describe('why the stream failed last, naming the camera and the cause'),
    source_fps: z.number().nullable().describe('frames per second the camera sends, as its stream declares it (null until first connected)'),
    analysis_fps: z.number().describe('frames per second handed to analysis over the last 10 s: ~1 for keyframes only, analysis.fps in fps mode, 0 for a camera that is not analysed (detect off: nothing is decoded)'),
    bitrate_kbps: z.number().describe('of the last recorded segment'),
  }),
  recording: z.object({
    state: z.enum(['recording', 'not_recording']),
    last_segment_at: isoTime.nullable(),
    segments: z.number().int(),
    bytes: z.number(),
    first: isoTime.nullable(),
    last: isoTime.nullable(),
    open_gap: z.object({ since: isoTime, cause: z.string() }).nullable().describe('why recording is interrupted right now'),
  }),
  analysis: z.object({
    cursor: isoTime.nullable().describe('capture time up to which everything recorded is analysed (catch-up fills what live analysis missed)'),
    live_until: isoTime.nullable().describe('capture time of the newest frame live analysis handled'),
    lag_seconds: z.number().describe('how far the cursor is behind the newest recorded video'),
    holes: z.number().int().describe('stretches of recording not analysed yet'),
    unanalysed_seconds: z.number().describe('their total length'),
  }),
});

export const liveUrlsSchema = z.object({
  hls: z.string().nullable().describe('plain HLS (MPEG-TS, 1 s segments): for players without low-latency HLS'),
  hls_ll: z.string().nullable().describe('low-latency HLS (fMP4, 200 ms parts, blocking playlist reload)'),
  hls_sub: z.string().nullable(),
  webrtc: z.object({ whep: z.string() }).nullable(),
  player: z.string(),
});
