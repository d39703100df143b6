/**
 * Live HLS (seed §5.4): the playlist and segments each camera's ffmpeg writes into its live dir,
 * served as files. Every viewer reads the same files, so 20 viewers cost one upstream RTSP session;
 * segments are streamed from an open file, so a viewer who leaves mid-download costs nothing.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor, type Caller } from '../../core/actor.ts';
import { HLS_PLAYLIST, isLiveHlsFile } from '../../media/ffmpeg-args.ts';
import { LiveFeeds, type LiveFeed } from '../../media/live/feeds.ts';
import { liveUrlsSchema } from '../contract/cameras.ts';
import { cameraId as cameraParam, noQuery } from '../contract/types.ts';
import { addRoute, notFound } from '../route.ts';

export interface LiveRouteDeps {
  cameras: CameraSource;
  /** absent when this process runs no edge role: no camera is live here */
  liveFeeds?: LiveFeeds;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';

const fileParam = z.string().max(64).refine(isLiveHlsFile, 'not a live HLS file name (index.m3u8 or <tag>_<sequence>.ts)').describe('index.m3u8 or a segment named in it');
const liveFile = z.object({ cameraId: cameraParam, file: fileParam }).strict();

export const liveUrls = (id: string) => ({
  hls: `/live/${encodeURIComponent(id)}/${HLS_PLAYLIST}`,
  hlsSub: `/live/${encodeURIComponent(id)}/sub/${HLS_PLAYLIST}`,
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
      if (!dir) throw notFound(`camera '${params.cameraId}' has no live HLS (live.hls is off or the edge role runs elsewhere)`);
      return sendLiveFile(reply, params.cameraId, dir, params.file);
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
    method: 'GET', url: '/api/v1/cameras/:id/live', permission: 'live:watch', tag: 'cameras', summary: 'URLs of the live view: HLS, sub-stream HLS, WebRTC (WHEP), player page',
    params: z.object({ id: cameraParam }).strict(), query: noQuery, response: liveUrlsSchema,
    handler: async ({ params, actor }) => {
      const feed = feedOf(actor, params.id);
      const urls = liveUrls(params.id);
      return {
        hls: feed?.hlsDir ? urls.hls : null,
        hls_sub: feed?.subHlsDir ? urls.hlsSub : null,
        webrtc: feed?.rtp ? { whep: urls.whep } : null,
        player: urls.player,
      };
    },
  });
}
