import type { Server as TlsServer } from 'node:tls';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
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
import { addRoute, boundedMessage, HttpError, openApiDocument, useAuthenticator, type Authenticate } from './route.ts';
import type { Actor } from './contract/actor.ts';
import { assertSameOrigin, changesState } from './csrf.ts';
import { helmetOptions } from './security/headers.ts';
import { allowedHostnames, HostPolicy, isLoopback } from './security/hosts.ts';
import { rateLimitOptions, type RateLimitConfig } from './security/rate-limit.ts';
import { reloadTlsOnChange, type TlsFiles, loadTlsPair } from './security/tls.ts';

export type ApiDeps = CameraRouteDeps & EventRouteDeps & SystemRouteDeps & LiveRouteDeps & RecordingRouteDeps & WhepRouteDeps & FaceRouteDeps & AlertSocketDeps & PushRouteDeps & {
  log: Logger;
  /** how a request's caller is found (bearer token, session cookie, API key, signed media URL) */
  authenticate?: Authenticate;
  security?: ApiSecurity;
};

/** What makes the API safe to open to a network (from api.*; see apiSecurity). */
export interface ApiSecurity {
  /** host names and origins that are ours (DNS rebinding, CSRF, /ws/alerts) */
  hosts: HostPolicy;
  /** absent: no rate limits (unit tests) */
  rateLimit?: RateLimitConfig;
  /** proxies whose X-Forwarded-For is believed (api.trusted_proxies) */
  trustedProxies: readonly string[];
  /** absent: plain HTTP */
  tls?: TlsFiles;
}

export interface ApiSecurityConfig {
  host: string;
  hostnames: readonly string[];
  public_url?: string;
  trusted_proxies: readonly string[];
  tls?: TlsFiles;
  rate_limit: RateLimitConfig;
}

export function apiSecurity(c: ApiSecurityConfig): ApiSecurity {
  const extraOrigins = new Set(c.public_url ? [new URL(c.public_url).origin] : []);
  return {
    hosts: new HostPolicy(allowedHostnames({ host: c.host, hostnames: c.hostnames, publicUrl: c.public_url }), extraOrigins),
    rateLimit: c.rate_limit, trustedProxies: c.trusted_proxies, tls: c.tls,
  };
}

const LOOPBACK_ONLY: ApiSecurity = { hosts: new HostPolicy(allowedHostnames({ host: '127.0.0.1', hostnames: [] })), trustedProxies: [] };

// Placeholder until sign-in exists: every caller acts as the local administrator (the API binds loopback only).
const LOCAL_ADMIN: Actor = { kind: 'user', id: 0, name: 'local', role: 'admin', cameras: null, routes: null };

/** The placeholder's only defence: a state change must not come from another site's page. */
const localAdmin = (hosts: HostPolicy): Authenticate => async (req: FastifyRequest) => {
  if (changesState(req)) assertSameOrigin(req, hosts);
  return LOCAL_ADMIN;
};

export class UnsafeBindError extends Error {}

export interface BindSafety {
  /** sign-in is configured (otherwise every caller is the local admin) */
  authenticated: boolean;
  allowRemote: boolean;
  tls: boolean;
  trustedProxies: boolean;
}

/**
 * Without sign-in every caller is the administrator: binding beyond loopback must be asked for
 * explicitly. With sign-in any address is allowed; without TLS and without a proxy in front,
 * passwords and tokens would cross the network in clear, which is said once at start.
 */
export function assertSafeBind(host: string, safety: BindSafety, log?: Logger): void {
  if (isLoopback(host)) return;
  if (!safety.authenticated && !safety.allowRemote) {
    throw new UnsafeBindError(`refusing to listen on ${host}: sign-in is not configured, so every caller would be an administrator; bind 127.0.0.1, or set api.allow_remote: true (--allow-remote) to accept the risk`);
  }
  if (!safety.tls && !safety.trustedProxies) {
    log?.warn({ host }, 'the API listens beyond loopback over plain HTTP: passwords and tokens cross the network in clear; set api.tls, or put a TLS proxy in front and list it in api.trusted_proxies');
  }
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const security = deps.security ?? LOOPBACK_ONLY;
  const tlsPair = security.tls && loadTlsPair(security.tls);
  const app = Fastify({
    logger: false, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 200 },
    // req.ip is the client, not the proxy, only when the proxy is one we know
    trustProxy: security.trustedProxies.length ? [...security.trustedProxies] : false,
    ...(tlsPair && { https: tlsPair }),
  }) as unknown as FastifyInstance;
  app.register(helmet, helmetOptions(Boolean(security.tls)));
  app.register(rateLimit, { global: false });
  // after helmet's hook, so a refused request still gets the security headers
  app.after(() => {
    app.addHook('onRequest', security.hosts.hook);
    if (security.rateLimit) app.addHook('onRequest', app.rateLimit(rateLimitOptions(security.rateLimit)));
  });
  if (security.tls) {
    const stop = reloadTlsOnChange(app.server as unknown as TlsServer, security.tls, deps.log);
    app.addHook('onClose', async () => stop());
  }

  app.addHook('onResponse', async (req, reply) => {
    const path = req.routeOptions.url ?? 'unmatched';
    metrics.apiRequests.inc({ status: String(reply.statusCode), path });
    metrics.apiDuration.observe({ path }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.code, message: redact(err.message) });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: 'bad_request', message: boundedMessage([redact((err as Error).message)]) });
    deps.log.error({ err, url: req.url, ip: req.ip }, 'API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  useAuthenticator(app, deps.authenticate ?? localAdmin(security.hosts));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

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
  alertSocketRoutes(app, deps, security.hosts);
  addRoute(app, {
    method: 'GET', url: '/api/v1/openapi.json', permission: 'public', tag: 'system', summary: 'This API as OpenAPI 3.1', query: z.object({}).strict(),
    handler: async () => openApiDocument(app),
  });
  return app;
}

export async function startApi(deps: ApiDeps, host: string, port: number, allowRemote: boolean): Promise<{ app: FastifyInstance; url: string }> {
  const security = deps.security ?? LOOPBACK_ONLY;
  assertSafeBind(host, { authenticated: Boolean(deps.authenticate), allowRemote, tls: Boolean(security.tls), trustedProxies: security.trustedProxies.length > 0 }, deps.log);
  const app = buildApi(deps);
  await app.listen({ host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return { app, url: `${security.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}` };
}
