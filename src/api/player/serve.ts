/**
 * The player page (/player/:cameraId) and its static assets. Everything comes from this origin, no
 * inline script: the API-wide Content-Security-Policy (../security/headers.ts) covers the page.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor } from '../../core/actor.ts';
import { cameraId, noQuery, time } from '../contract/types.ts';
import { addRoute, badRequest } from '../route.ts';

export interface PlayerRouteDeps {
  cameras: CameraSource;
}

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const ASSETS: Record<string, { file: string; type: string }> = {
  'hls.min.js': { file: createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'), type: 'text/javascript' },
  'player.js': { file: here('player.js'), type: 'text/javascript' },
  'webrtc.js': { file: here('webrtc.js'), type: 'text/javascript' },
  'session.js': { file: here('session.js'), type: 'text/javascript' },
  'player.css': { file: here('player.css'), type: 'text/css' },
};

const playerQuery = z.object({
  src: z.enum(['live', 'vod']).default('live').describe('live view, or recorded footage between from and to'),
  stream: z.enum(['main', 'sub']).default('main').describe('live: main stream or the sub stream (grid views)'),
  transport: z.enum(['auto', 'hls', 'll-hls']).default('auto').describe('live: auto tries WebRTC first, then low-latency HLS; hls: plain HLS (1 s segments); ll-hls: low-latency HLS (200 ms parts)'),
  from: time.optional().describe('vod: start (ISO 8601)'),
  to: time.optional().describe('vod: end (ISO 8601)'),
}).strict();

export function playerRoutes(app: FastifyInstance, deps: PlayerRouteDeps): void {

  addRoute(app, {
    method: 'GET', url: '/player/:cameraId', permission: 'live:watch', tag: 'live', summary: 'Player page: live (WebRTC, else HLS) or recorded (VOD) video of one camera', produces: 'text/html',
    params: z.object({ cameraId }).strict(), query: playerQuery,
    handler: async ({ params, query, actor, reply }) => {
      cameraFor(actor, deps.cameras, params.cameraId);
      if (query.src === 'vod' && !(query.from && query.to)) throw badRequest("query parameters 'from' and 'to' are required with src=vod");
      const html = await readFile(here('index.html'));
      return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/assets/:name', permission: 'public', tag: 'live', summary: 'Static files of the player page', produces: 'text/javascript',
    params: z.object({ name: z.enum(Object.keys(ASSETS) as [string, ...string[]]).describe('asset file name') }).strict(), query: noQuery,
    handler: async ({ params, reply }) => {
      const asset = ASSETS[params.name]!;
      return reply.header('content-type', `${asset.type}; charset=utf-8`).header('cache-control', 'no-cache').send(await readFile(asset.file));
    },
  });
}
