import { isIP } from 'node:net';
import { fastifyCookie } from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { alertRoutes } from './routes/alerts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditWriter, guardedAuditWriter, type RecordAudit } from '../audit/record.ts';
import { useAuditTrail } from './audit-hook.ts';
import { auditRoutes } from './routes/audit.ts';
import { cameraRoutes, type CameraRouteDeps } from './routes/cameras.ts';
import { eventRoutes, type EventRouteDeps } from './routes/events.ts';
import { faceRoutes, type FaceRouteDeps } from './routes/faces.ts';
import { liveRoutes, type LiveRouteDeps } from './routes/live.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { playerRoutes } from './player/serve.ts';
import { pushRoutes, type PushRouteDeps } from './routes/push.ts';
import { recordingRoutes, type RecordingRouteDeps } from './routes/recordings.ts';
import { systemRoutes, type SystemRouteDeps } from './routes/system.ts';
import { userRoutes } from './routes/users.ts';
import { whepRoutes, type WhepRouteDeps } from './routes/whep.ts';
import { alertSocketRoutes, type AlertSocketDeps } from './ws/alerts.ts';
import { addRoute, installJsonParser, openApiDocument, useAuthenticator } from './route.ts';
import { toHttpError } from './errors.ts';
import { openApiSchema } from './contract/system.ts';
import { noQuery } from './contract/types.ts';
import { createAuthenticate, type ApiKeyVerifier } from './authenticate.ts';
import { authRoutes } from './routes/auth.ts';
import type { AuthStack } from '../auth/open.ts';
import { apiKeyService } from '../auth/api-keys.ts';

export type ApiDeps = CameraRouteDeps & EventRouteDeps & SystemRouteDeps & LiveRouteDeps & RecordingRouteDeps & WhepRouteDeps & FaceRouteDeps & AlertSocketDeps & PushRouteDeps & {
  log: Logger;
  /** sign-in: every request is authenticated by its bearer token, session cookie or signed media URL */
  auth: AuthStack;
  /** X-API-Key, when API keys exist in this process */
  apiKeys?: ApiKeyVerifier;
  /** where audit rows go (default: audit_log of `store`, failures logged and shown in health) */
  audit?: RecordAudit;
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
    const known = toHttpError(err);
    if (known) return reply.code(known.status).send({ error: known.code, message: redact(known.message) });
    deps.log.error({ err, url: req.url }, 'API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  installJsonParser(app);
  // cookies are parsed and written by authenticate.ts and the auth routes; the plugin loads the cookie codec
  void app.register(fastifyCookie, { hook: false });
  const apiKeys = deps.apiKeys ?? apiKeyService({ keys: deps.repos.apiKeys, knownCameras: async () => deps.cameras.map((c) => c.id) });
  useAuthenticator(app, createAuthenticate({ auth: deps.auth.service, tokens: deps.auth.tokens, apiKeys }));
  useAuditTrail(app, deps.audit ?? guardedAuditWriter(auditWriter(deps.store), { log: deps.log, health: deps.health }));
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
  userRoutes(app, deps);
  apiKeyRoutes(app, deps);
  auditRoutes(app, deps);
  addRoute(app, {
    method: 'GET', url: '/api/v1/openapi.json', permission: 'public', tag: 'system', summary: 'This API as OpenAPI 3.1', query: noQuery, response: openApiSchema,
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
