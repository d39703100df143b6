import { isIP } from 'node:net';
import { fastifyCookie } from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { alertRoutes } from './routes/alerts.ts';
import { cameraRoutes, type CameraRouteDeps } from './routes/cameras.ts';
import { eventRoutes, type EventRouteDeps } from './routes/events.ts';
import { faceRoutes, type FaceRouteDeps } from './routes/faces.ts';
import { liveRoutes, type LiveRouteDeps } from './routes/live.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { playerRoutes } from './player/serve.ts';
import { pushRoutes, type PushRouteDeps } from './routes/push.ts';
import { recordingRoutes, type RecordingRouteDeps } from './routes/recordings.ts';
import { systemRoutes, type SystemRouteDeps } from './routes/system.ts';
import { whepRoutes, type WhepRouteDeps } from './routes/whep.ts';
import { alertSocketRoutes, type AlertSocketDeps } from './ws/alerts.ts';
import { addRoute, boundedMessage, HttpError, openApiDocument, useAuthenticator } from './route.ts';
import { createAuthenticate, type ApiKeyVerifier } from './authenticate.ts';
import { authRoutes } from './routes/auth.ts';
import type { AuthStack } from '../auth/open.ts';

export type ApiDeps = CameraRouteDeps & EventRouteDeps & SystemRouteDeps & LiveRouteDeps & RecordingRouteDeps & WhepRouteDeps & FaceRouteDeps & AlertSocketDeps & PushRouteDeps & {
  log: Logger;
  /** sign-in: every request is authenticated by its bearer token, session cookie or signed media URL */
  auth: AuthStack;
  /** X-API-Key, when API keys exist in this process */
  apiKeys?: ApiKeyVerifier;
};

export class UnsafeBindError extends Error {}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** There is no authentication yet: binding beyond loopback must be asked for explicitly. */
export function assertSafeBind(host: string, allowRemote: boolean): void {
  if (!isLoopback(host) && !allowRemote) {
    throw new UnsafeBindError(`refusing to listen on ${host}: the API has no authentication yet; bind 127.0.0.1, or set api.allow_remote: true (--allow-remote) to accept the risk`);
  }
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 200 } });

  app.addHook('onResponse', async (req, reply) => {
    const path = req.routeOptions.url ?? 'unmatched';
    metrics.apiRequests.inc({ status: String(reply.statusCode), path });
    metrics.apiDuration.observe({ path }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.code, message: redact(err.message) });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: 'bad_request', message: boundedMessage([redact((err as Error).message)]) });
    deps.log.error({ err, url: req.url }, 'API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  // cookies are parsed and written by authenticate.ts and the auth routes; the plugin loads the cookie codec
  void app.register(fastifyCookie, { hook: false });
  useAuthenticator(app, createAuthenticate({ auth: deps.auth.service, tokens: deps.auth.tokens, apiKeys: deps.apiKeys }));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  authRoutes(app, { auth: { ...deps.auth, cameraIds: () => deps.cameras.map((c) => c.id) } });
  cameraRoutes(app, deps);
  eventRoutes(app, deps);
  alertRoutes(app, deps);
  systemRoutes(app, deps);
  liveRoutes(app, deps);
  playerRoutes(app, deps);
  if (deps.recordings) recordingRoutes(app, { ...deps, recordings: deps.recordings });
  whepRoutes(app, deps);
  faceRoutes(app, deps);
  notificationRoutes(app, deps);
  pushRoutes(app, deps);
  alertSocketRoutes(app, deps);
  addRoute(app, {
    method: 'GET', url: '/api/v1/openapi.json', permission: 'public', tag: 'system', summary: 'This API as OpenAPI 3.1', query: z.object({}).strict(),
    handler: async () => openApiDocument(app),
  });
  return app;
}

export async function startApi(deps: ApiDeps, host: string, port: number, allowRemote: boolean): Promise<{ app: FastifyInstance; url: string }> {
  assertSafeBind(host, allowRemote);
  const app = buildApi(deps);
  await app.listen({ host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}` };
}
