import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { CameraSource } from '../../config/live-cameras.ts';
import type { ResolvedCamera } from '../../config/load.ts';
import type { Logger } from '../../core/log.ts';
import { cutMp4 } from '../../media/vod/cut.ts';
import { vodPlaylist } from '../../media/vod/playlist.ts';
import { segmentFile } from '../../media/vod/segment-file.ts';
import { buildTimeline } from '../../media/vod/timeline.ts';
import { readMediaSpan, TimestampShift, wallClockOffset } from '../../media/vod/ts-timestamps.ts';
import { cameraFor } from '../../core/actor.ts';
import type { Repositories, SegmentRow } from '../../store/repositories/types.ts';
import { cameraParams, MAX_EXPORT_HOURS, MAX_VOD_HOURS, rangeQuery, timelineSchema, vodParams, vodSegmentParams } from '../contract/recordings.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, badRequest, HttpError, notFound } from '../route.ts';
import { stallGuard } from '../security/stall-guard.ts';

export interface RecordingRouteDeps {
  cameras: CameraSource;
  repos: Repositories;
  log: Logger;
  /** absent on an API without local recordings: then these routes are not served */
  recordings?: { dir: string; tmpDir: string };
}

export const MAX_CONCURRENT_EXPORTS = 2;
/** A download that sends nothing this long (the client stopped reading) is cut, freeing its slot. */
const EXPORT_STALL_MS = 30_000;


function checkRange(q: { from: Date; to: Date }, maxHours: number, what: string): void {
  if (q.from >= q.to) throw badRequest(`query parameter 'from' (${q.from.toISOString()}) must be before 'to' (${q.to.toISOString()})`);
  if (q.to.getTime() - q.from.getTime() > maxHours * 3600_000) throw badRequest(`query parameters 'from'/'to': ${what} ranges are limited to ${maxHours} h`);
}

/** `20250120-143000` (UTC) for file names. */
const stamp = (t: Date): string => t.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

export function recordingRoutes(app: FastifyInstance, deps: RecordingRouteDeps & { recordings: NonNullable<RecordingRouteDeps['recordings']> }): void {
  const { dir: recordingsDir, tmpDir } = deps.recordings;
  /** Closed segments (the ones a client may fetch) of [from, to); 404 when there are none. */
  const closedSegments = async (cam: ResolvedCamera, from: Date, to: Date): Promise<SegmentRow[]> => {
    const rows = (await deps.repos.segments.list(cam.id, from, to)).filter((s) => s.status === 'closed' && s.end_time);
    if (!rows.length) throw notFound(`no recordings for ${cam.id} between ${from.toISOString()} and ${to.toISOString()}`);
    return rows;
  };

  addRoute(app, {
    method: 'GET', url: '/vod/:cameraId.m3u8', permission: 'recordings:read', tag: 'recordings', summary: 'HLS VOD playlist of the recording between from and to',
    produces: 'application/vnd.apple.mpegurl',
    params: vodParams, query: rangeQuery,
    handler: async ({ params, query, actor, reply }) => {
      const cam = cameraFor(actor, deps.cameras, params.cameraId);
      checkRange(query, MAX_VOD_HOURS, 'VOD');
      const segments = await closedSegments(cam, query.from, query.to);
      const gaps = await deps.repos.segments.gaps(cam.id, query.from, query.to);
      const body = vodPlaylist(
        segments.map((s) => ({ id: s.id, start: s.start_time, end: s.end_time! })),
        gaps.map((g) => ({ start: g.start_time })),
        (s) => `/vod/${encodeURIComponent(cam.id)}/seg/${s.id}.ts`,
      );
      return reply.header('content-type', 'application/vnd.apple.mpegurl').header('cache-control', 'no-store').send(body);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/vod/:cameraId/seg/:segmentId.ts', permission: 'recordings:read', tag: 'recordings', summary: 'One recorded segment (MPEG-TS, wall-clock timestamps)',
    produces: 'video/mp2t',
    params: vodSegmentParams, query: noQuery,
    handler: async ({ params, actor, reply }) => {
      const cam = cameraFor(actor, deps.cameras, params.cameraId);
      const row = await deps.repos.segments.get(params.segmentId);
      // another camera's segment is reported exactly like a missing one
      if (!row || row.camera_id !== cam.id || row.status !== 'closed' || !row.end_time) throw notFound(`no recorded segment ${params.segmentId} for ${cam.id}`);
      const file = await segmentFile(recordingsDir, row.path);
      if (!file) throw notFound(`segment ${row.id} of ${cam.id} is no longer on disk`);
      const span = await readMediaSpan(file).catch(() => null);
      if (!span) throw notFound(`segment ${row.id} of ${cam.id} holds no readable video`);
      const offset = wallClockOffset(span, row.end_time);
      return reply.header('content-type', 'video/mp2t').header('cache-control', 'private, max-age=86400, immutable')
        .send(createReadStream(file).pipe(new TimestampShift(offset)));
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id/recordings', permission: 'recordings:read', tag: 'recordings', summary: 'Recording coverage and gaps (with their causes) between from and to',
    params: cameraParams, query: rangeQuery, response: timelineSchema,
    handler: async ({ params, query, actor }) => {
      const cam = cameraFor(actor, deps.cameras, params.id);
      checkRange(query, MAX_VOD_HOURS, 'timeline');
      const [segments, gaps, stats] = await Promise.all([
        deps.repos.segments.list(cam.id, query.from, query.to), deps.repos.segments.gaps(cam.id, query.from, query.to), deps.repos.segments.stats(cam.id),
      ]);
      return { camera_id: cam.id, from: query.from, to: query.to, ...buildTimeline(segments, gaps, query.from, query.to, new Date(), stats.first) };
    },
  });

  let exporting = 0;
  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id/export.mp4', permission: 'recordings:export', tag: 'recordings', audited: { query: ['from', 'to'] }, summary: `MP4 download of the recording between from and to (copy, at most ${MAX_EXPORT_HOURS} h)`,
    produces: 'video/mp4',
    params: cameraParams, query: rangeQuery,
    handler: async ({ params, query, actor, req, reply }) => {
      // Fastify answers HEAD with the GET handler: here that would cut a whole export to send no body
      if (req.method === 'HEAD') return reply.code(405).header('allow', 'GET').send();
      const cam = cameraFor(actor, deps.cameras, params.id);
      checkRange(query, MAX_EXPORT_HOURS, 'export');
      if (exporting >= MAX_CONCURRENT_EXPORTS) throw new HttpError(429, 'too_many_exports', `${exporting} exports are running (limit ${MAX_CONCURRENT_EXPORTS}); retry when one has finished`);
      exporting += 1;
      let work: string | undefined;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        exporting -= 1;
        if (work) void rm(work, { recursive: true, force: true }).catch((err: unknown) => deps.log.warn({ err, camera_id: cam.id }, 'cannot remove an export temp dir'));
      };
      // the client going away stops ffmpeg at once; during the download the file stream is destroyed
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      try {
        const segments = await closedSegments(cam, query.from, query.to);
        await mkdir(tmpDir, { recursive: true });
        work = await mkdtemp(path.join(tmpDir, 'export-'));
        const out = path.join(work, 'export.mp4');
        const files = await Promise.all(segments.map(async (s) => ({ file: await segmentFile(recordingsDir, s.path), start: s.start_time, end: s.end_time! })));
        const present = files.flatMap((f) => (f.file ? [{ ...f, file: f.file }] : []));
        if (!present.length) throw notFound(`the recordings of ${cam.id} between ${query.from.toISOString()} and ${query.to.toISOString()} are no longer on disk`);
        await cutMp4({ segments: present, from: query.from, to: query.to, out, signal: gone.signal });
        const size = (await stat(out)).size;
        const file = createReadStream(out);
        file.once('close', release);
        // a client that stops reading would hold the export slot and the temp file for ever
        const body = stallGuard(EXPORT_STALL_MS, () => {
          deps.log.info({ camera_id: cam.id }, 'export download cut: the client stopped reading');
          reply.raw.destroy();
        });
        pipeline(file, body).catch(() => { /* the client went away or stalled: logged above, release() ran */ });
        const name = `${cam.id}_${stamp(query.from)}_${stamp(query.to)}.mp4`;
        return reply.header('content-type', 'video/mp4').header('content-length', size)
          .header('content-disposition', `attachment; filename="${name}"`).send(body);
      } catch (e) {
        release();
        if (gone.signal.aborted) deps.log.info({ camera_id: cam.id }, 'export cancelled: the client went away');
        throw e;
      }
    },
  });
}
