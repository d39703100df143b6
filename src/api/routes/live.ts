/**
 * Live HLS (seed §5.4): the playlist and segments each camera's ffmpeg writes into its live dir,
 * served as files. Every viewer reads the same files, so 20 viewers cost one upstream RTSP session;
 * segments are streamed from an open file, so a viewer who leaves mid-download costs nothing.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor, type Caller } from '../../core/actor.ts';
import { HLS_PLAYLIST, isLiveHlsFile } from '../../media/ffmpeg-args.ts';
import { LiveFeeds, type LiveFeed } from '../../media/live/feeds.ts';
import { LL_PLAYLIST, parseLlHlsName } from '../../media/llhls/names.ts';
import type { Answer, LlHlsPackager } from '../../media/llhls/packager.ts';
import { liveUrlsSchema } from '../contract/cameras.ts';
import { cameraId as cameraParam, noQuery } from '../contract/types.ts';
import { addRoute, badRequest, HttpError, notFound } from '../route.ts';

export interface LiveRouteDeps {
  cameras: CameraSource;
  /** absent when this process runs no edge role: no camera is live here */
  liveFeeds?: LiveFeeds;
  /** the LL-HLS packager of a camera whose video this process ingests itself; absent or undefined: no LL-HLS for it here */
  llHls?: (cameraId: string) => LlHlsPackager | undefined;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';
const FMP4_TYPE = 'video/mp4';

const fileParam = z.string().max(64).refine(isLiveHlsFile, 'not a live HLS file name (index.m3u8 or <tag>_<sequence>.ts)').describe('index.m3u8 or a segment named in it');
const liveFile = z.object({ cameraId: cameraParam, file: fileParam }).strict();

const llFileParam = z.string().max(64).refine((f) => parseLlHlsName(f) !== undefined, 'not an LL-HLS file name (init.mp4, init<n>.mp4, seg<n>.m4s or part<n>.m4s)')
  .describe('a file the LL-HLS playlist names: init segment, segment or part');
const llFile = z.object({ cameraId: cameraParam, file: llFileParam }).strict();
// RFC 8216bis delivery directives are decimal integers
const directive = (what: string) => z.string().regex(/^\d{1,15}$/, 'must be a decimal integer').transform(Number).optional().describe(what);
const llPlaylistQuery = z.object({
  _HLS_msn: directive('blocking reload: answer once the playlist holds this media sequence number (or a later one)'),
  _HLS_part: directive('with _HLS_msn: answer once the playlist holds this part of that segment (or a later one)'),
  // RFC 8216bis: a server that does not advertise CAN-SKIP-UNTIL must ignore _HLS_skip
  _HLS_skip: z.enum(['YES', 'v2']).optional().describe('delta update request: not offered (no CAN-SKIP-UNTIL), so ignored'),
}).strict();

/** the low-latency playlist and its files, under each camera's live path */
const LL_DIR = 'll';

export const liveUrls = (id: string) => ({
  hls: `/live/${encodeURIComponent(id)}/${HLS_PLAYLIST}`,
  hlsSub: `/live/${encodeURIComponent(id)}/sub/${HLS_PLAYLIST}`,
  hlsLowLatency: `/live/${encodeURIComponent(id)}/${LL_DIR}/${LL_PLAYLIST}`,
  whep: `/api/v1/cameras/${encodeURIComponent(id)}/whep`,
  player: `/player/${encodeURIComponent(id)}`,
});

// ELOOP: the name is a symlink (O_NOFOLLOW)
const isMissing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR', 'ELOOP'].includes((e as NodeJS.ErrnoException).code ?? '');

// ffmpeg writes regular files; a symlink (or anything else) placed in the live dir is not served,
// so the live dir cannot become a way to read other files
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** `file` passed isLiveHlsFile (no separators, no dots but the extension), so the path stays inside `dir`. */
async function sendLiveFile(reply: FastifyReply, cameraId: string, dir: string, file: string): Promise<FastifyReply> {
  const full = path.join(dir, file);
  const gone = () => notFound(file === HLS_PLAYLIST
    ? `camera '${cameraId}' is not streaming live right now (no playlist yet)`
    : `segment '${file}' of camera '${cameraId}' is not in the live window any more`);
  const fh = await open(full, NO_FOLLOW).catch((e: unknown) => { throw isMissing(e) ? gone() : e; });
  let streaming = false;
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw notFound(`'${file}' of camera '${cameraId}' is not a live HLS file`);
    // small, and replaced by rename: one read sees a whole playlist
    if (file === HLS_PLAYLIST) return reply.header('content-type', PLAYLIST_TYPE).header('cache-control', 'no-cache').send(await fh.readFile());
    streaming = true;
    // the open handle keeps the data even when ffmpeg deletes the segment meanwhile; Fastify destroys
    // the stream (closing the handle) when the client goes away
    return reply.header('content-type', SEGMENT_TYPE).header('content-length', stat.size).header('cache-control', 'public, max-age=60').send(fh.createReadStream());
  } finally {
    if (!streaming) await fh.close();
  }
}

/** The packager's answer, or the error it names (a 503 when a blocking request timed out). */
function answered<T>(cameraId: string, a: Answer<T>): T {
  if ('ok' in a) return a.ok;
  const reason = `LL-HLS of camera '${cameraId}': ${a.reason}`;
  if (a.status === 400) throw badRequest(reason);
  if (a.status === 404) throw notFound(reason);
  throw new HttpError(503, 'unavailable', reason);
}

/** Aborts when the client goes away, so a blocked request stops waiting for it. */
function whileConnected(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => gone.abort());
  return gone.signal;
}

// names are reused when the edge restarts (a new packager counts from 0): never from a cache
const sendFmp4 = (reply: FastifyReply, data: Buffer | Buffer[]): FastifyReply => {
  const chunks = Array.isArray(data) ? data : [data];
  return reply.header('content-type', FMP4_TYPE).header('cache-control', 'no-cache')
    .header('content-length', chunks.reduce((n, b) => n + b.length, 0)).send(Readable.from(chunks));
};

export function liveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const feeds = deps.liveFeeds ?? new LiveFeeds();
  const feedOf = (caller: Caller, id: string): LiveFeed | undefined => {
    cameraFor(caller, deps.cameras, id);
    return feeds.get(id);
  };

  addRoute(app, {
    method: 'GET', url: '/live/:cameraId/:file', permission: 'live:watch', tag: 'live', summary: 'Live HLS of the main stream: playlist and segments', produces: PLAYLIST_TYPE,
    params: liveFile, query: noQuery,
    handler: async ({ params, actor, reply }) => {
      const dir = feedOf(actor, params.cameraId)?.hlsDir;
      const packager = deps.llHls?.(params.cameraId);
      // a camera Vigil ingests itself has no ffmpeg writing HLS files: its low-latency segments, listed without parts
      if (!dir && packager && params.file === HLS_PLAYLIST) {
        packager.requested();
        const playlist = await packager.plainPlaylistFor(`${LL_DIR}/`, whileConnected(reply));
        if (!playlist) throw notFound(`camera '${params.cameraId}' is not streaming live right now (no playlist yet)`);
        return reply.header('content-type', PLAYLIST_TYPE).header('cache-control', 'no-cache').send(playlist);
      }
      if (!dir) throw notFound(`camera '${params.cameraId}' has no live HLS (live.hls is off or the edge role runs elsewhere)`);
      return sendLiveFile(reply, params.cameraId, dir, params.file);
    },
  });

  const packagerOf = (caller: Caller, id: string): LlHlsPackager => {
    cameraFor(caller, deps.cameras, id);
    const packager = deps.llHls?.(id);
    if (!packager) throw notFound(`camera '${id}' has no LL-HLS feed (live.hls is off, or the edge role runs elsewhere)`);
    packager.requested();
    return packager;
  };

  addRoute(app, {
    method: 'GET', url: `/live/:cameraId/${LL_DIR}/${LL_PLAYLIST}`, permission: 'live:watch', tag: 'live', produces: PLAYLIST_TYPE, errors: [503],
    summary: 'Low-latency HLS playlist of the main stream: 200 ms parts, blocking reload (_HLS_msn, _HLS_part) and preload hints',
    params: z.object({ cameraId: cameraParam }).strict(), query: llPlaylistQuery,
    handler: async ({ params, query, actor, reply }) => {
      const packager = packagerOf(actor, params.cameraId);
      const playlist = answered(params.cameraId, await packager.playlistFor({ msn: query._HLS_msn, part: query._HLS_part }, whileConnected(reply)));
      return reply.header('content-type', PLAYLIST_TYPE).header('cache-control', 'no-cache').send(playlist);
    },
  });

  addRoute(app, {
    method: 'GET', url: `/live/:cameraId/${LL_DIR}/:file`, permission: 'live:watch', tag: 'live', produces: FMP4_TYPE, errors: [503],
    summary: 'Low-latency HLS media: init segment, segments and parts (fMP4); the hinted part is sent once complete',
    params: llFile, query: noQuery,
    handler: async ({ params, actor, reply }) => {
      const { cameraId } = params;
      const packager = packagerOf(actor, cameraId);
      const file = parseLlHlsName(params.file)!;
      if (file.kind === 'part') return sendFmp4(reply, answered(cameraId, await packager.partFor(file.id, whileConnected(reply))));
      const data = file.kind === 'init' ? packager.init(file.generation) : packager.segment(file.msn);
      if (!data) throw notFound(`LL-HLS of camera '${cameraId}': '${params.file}' is not in the live window${file.kind === 'init' ? ' (no key frame received yet, or a stream that changed since)' : ''}`);
      return sendFmp4(reply, data);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/live/:cameraId/sub/:file', permission: 'live:watch', tag: 'live', summary: 'Live HLS of the sub stream (grid views)', produces: PLAYLIST_TYPE,
    params: liveFile, query: noQuery,
    handler: async ({ params, actor, reply }) => {
      const dir = feedOf(actor, params.cameraId)?.subHlsDir;
      if (!dir) throw notFound(`camera '${params.cameraId}' has no sub stream configured (substream: true)`);
      return sendLiveFile(reply, params.cameraId, dir, params.file);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id/live', permission: 'live:watch', tag: 'cameras', summary: 'URLs of the live view: HLS, low-latency HLS, sub-stream HLS, WebRTC (WHEP), player page',
    params: z.object({ id: cameraParam }).strict(), query: noQuery, response: liveUrlsSchema,
    handler: async ({ params, actor }) => {
      const feed = feedOf(actor, params.id);
      const urls = liveUrls(params.id);
      return {
        hls: feed?.hlsDir || deps.llHls?.(params.id) ? urls.hls : null,
        hls_ll: deps.llHls?.(params.id) ? urls.hlsLowLatency : null,
        hls_sub: feed?.subHlsDir ? urls.hlsSub : null,
        webrtc: feed?.rtp ? { whep: urls.whep } : null,
        player: urls.player,
      };
    },
  });
}
