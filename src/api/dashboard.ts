/**
 * The operator dashboard (web/, built by Vite into web/dist) served at /. Hashed files under /app/
 * are cached for a year (a new build has new names); index.html, the service worker and the
 * manifest are revalidated on every load so a new version reaches every browser. Any other GET
 * from a browser that is not an API path gets index.html: the dashboard's own router shows the
 * page for /alerts/42, /timeline/cam_001… so every page's URL survives a reload.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the API, media or probes: never answered with the dashboard. */
const NOT_PAGES = /^\/(api|ws|vod|metrics|health|player|assets|app|\.well-known)(\/|$)/;

const isPageRequest = (req: FastifyRequest): boolean =>
  req.method === 'GET' && !NOT_PAGES.test(req.url) && /text\/html/.test(req.headers.accept ?? '');

export interface Dashboard {
  /** answers a page request with index.html; false when the request is not one */
  servePage(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

export function dashboardRoutes(app: FastifyInstance, dir = DEFAULT_DASHBOARD_DIR): Dashboard {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    return {
      servePage: async (req, reply) => {
        if (!isPageRequest(req)) return false;
        await reply.code(404).send({ error: 'not_found', message: 'the dashboard is not built: run `npm run build -w web`' });
        return true;
      },
    };
  }
  void app.register(fastifyStatic, {
    root: dir, prefix: '/', wildcard: false, index: false, decorateReply: false,
    setHeaders: (res, file) => {
      const hashed = file.startsWith(path.join(dir, 'app') + path.sep);
      res.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      // the service worker controls the whole app, not only the folder it is served from
      if (file.endsWith(`${path.sep}sw.js`)) res.header('service-worker-allowed', '/');
    },
  });
  return {
    servePage: async (req, reply) => {
      if (!isPageRequest(req)) return false;
      await reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(index));
      return true;
    },
  };
}
