import type { Server as TlsServer } from 'node:tls';
import { fastifyCookie } from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.ts';
import type { Cache } from '../cache/port.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { alertRoutes } from './routes/alerts.ts';
import { analyticsRoutes, type AnalyticsRouteDeps } from './routes/analytics.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditWriter, guardedAuditWriter, type RecordAudit } from '../audit/record.ts';
import { useAuditTrail } from './audit-hook.ts';
import { auditRoutes } from './routes/audit.ts';
import { cameraRoutes, type CameraRouteDeps } from './routes/cameras.ts';
import { cameraSettingsRoutes, type CameraSettingsRouteDeps } from './routes/camera-settings.ts';
import { eventRoutes, type EventRouteDeps } from './routes/events.ts';
import { faceRoutes, type FaceRouteDeps } from './routes/faces.ts';
import { liveRoutes, type LiveRouteDeps } from './routes/live.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { playerRoutes } from './player/serve.ts';
import { dashboardRoutes } from './dashboard.ts';
import { pushRoutes, type PushRouteDeps } from './routes/push.ts';
import { recordingRoutes, type RecordingRouteDeps } from './routes/recordings.ts';
import { cameraSnapshotRoutes, type CameraSnapshotDeps } from './routes/camera-snapshot.ts';
import { settingsRoutes, type SettingsRouteDeps } from './routes/settings.ts';
import { systemRoutes, type SystemRouteDeps } from './routes/system.ts';
import { timelineRoutes } from './routes/timeline.ts';
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
import { helmetOptions } from './security/headers.ts';
import { allowedHostnames, HostPolicy, isLoopback } from './security/hosts.ts';
import { rateLimitOptions, type RateLimitConfig } from './security/rate-limit.ts';
import { cacheRateLimitStore } from './security/rate-limit-store.ts';
import { reloadTlsOnChange, type TlsFiles, loadTlsPair } from './security/tls.ts';

export type ApiDeps = CameraRouteDeps & CameraSettingsRouteDeps & AnalyticsRouteDeps & EventRouteDeps & SystemRouteDeps & LiveRouteDeps & RecordingRouteDeps & WhepRouteDeps & FaceRouteDeps & AlertSocketDeps & PushRouteDeps & Partial<SettingsRouteDeps> & Partial<Pick<CameraSnapshotDeps, 'latestFrames'>> & {
  log: Logger;
  /** sign-in: every request is authenticated by its bearer token, session cookie or signed media URL */
  auth: AuthStack;
  /** X-API-Key, when API keys exist in this process */
  apiKeys?: ApiKeyVerifier;
  /** where audit rows go (default: audit_log of `store`, failures logged and shown in health) */
  audit?: RecordAudit;
  security?: ApiSecurity;
  /** the built dashboard (default web/dist of this checkout) */
  dashboardDir?: string;
};

/** What makes the API safe to open to a network (from api.*; see apiSecurity). */
export interface ApiSecurity {
  /** host names and origins that are ours (DNS rebinding, CSRF, /ws/alerts) */
  hosts: HostPolicy;
  /** absent: no rate limits (unit tests) */
  rateLimit?: RateLimitConfig;
  /**
   * where request counts are kept: the cache every API replica shares (ctx.cache); absent, this
   * process's own counters
   */
  rateLimitCounters?: Cache;
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

/**
 * Every caller signs in, so any address may be bound; without TLS and without a proxy in front,
 * passwords and tokens would cross the network in clear, which is said once at start.
 */
export function warnIfPlainHttpBeyondLoopback(host: string, safety: { tls: boolean; trustedProxies: boolean }, log?: Logger): void {
  if (isLoopback(host) || safety.tls || safety.trustedProxies) return;
  log?.warn({ host }, 'the API listens beyond loopback over plain HTTP: passwords and tokens cross the network in clear; set api.tls, or put a TLS proxy in front and list it in api.trusted_proxies');
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
  // a cache that does not answer lets requests through: the limits guard against floods, sign-in
  // has its own throttle, and an outage of the cache must not take the API down with it
  app.register(rateLimit, { global: false, ...(security.rateLimitCounters && { store: cacheRateLimitStore(security.rateLimitCounters), skipOnError: true }) });
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
    const known = toHttpError(err);
    if (known) return reply.code(known.status).send({ error: known.code, message: redact(known.message) });
    deps.log.error({ err, url: req.url, ip: req.ip }, 'API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  installJsonParser(app);
  // cookies are parsed and written by authenticate.ts and the auth routes; the plugin loads the cookie codec
  void app.register(fastifyCookie, { hook: false });
  const apiKeys = deps.apiKeys ?? apiKeyService({ keys: deps.repos.apiKeys, knownCameras: async () => deps.cameras.ids() });
  useAuthenticator(app, createAuthenticate({ auth: deps.auth.service, tokens: deps.auth.tokens, apiKeys, hosts: security.hosts }));
  useAuditTrail(app, deps.audit ?? guardedAuditWriter(auditWriter(deps.store), { log: deps.log, health: deps.health }));
  const dashboard = dashboardRoutes(app, deps.dashboardDir);
  app.setNotFoundHandler(async (req, reply) => {
    if (await dashboard.servePage(req, reply)) return reply;
    return reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  authRoutes(app, { auth: { ...deps.auth, cameraIds: () => deps.cameras.ids() }, hosts: security.hosts });
  cameraRoutes(app, deps);
  cameraSettingsRoutes(app, deps);
  eventRoutes(app, deps);
  alertRoutes(app, deps);
  systemRoutes(app, deps);
  liveRoutes(app, deps);
  playerRoutes(app, deps);
  if (deps.recordings) recordingRoutes(app, { ...deps, recordings: deps.recordings });
  timelineRoutes(app, deps);
  whepRoutes(app, deps);
  faceRoutes(app, deps);
  notificationRoutes(app, deps);
  pushRoutes(app, deps);
  alertSocketRoutes(app, deps, security.hosts);
  userRoutes(app, deps);
  apiKeyRoutes(app, deps);
  auditRoutes(app, deps);
  analyticsRoutes(app, deps);
  if (deps.configuration) settingsRoutes(app, { configuration: deps.configuration });
  if (deps.latestFrames) cameraSnapshotRoutes(app, { cameras: deps.cameras, latestFrames: deps.latestFrames, liveFeeds: deps.liveFeeds });
  addRoute(app, {
    method: 'GET', url: '/api/v1/openapi.json', permission: 'public', tag: 'system', summary: 'This API as OpenAPI 3.1', query: noQuery, response: openApiSchema,
    handler: async () => openApiDocument(app),
  });
  return app;
}

export async function startApi(deps: ApiDeps, host: string, port: number): Promise<{ app: FastifyInstance; url: string }> {
  const security = deps.security ?? LOOPBACK_ONLY;
  warnIfPlainHttpBeyondLoopback(host, { tls: Boolean(security.tls), trustedProxies: security.trustedProxies.length > 0 }, deps.log);
  const app = buildApi(deps);
  await app.listen({ host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return { app, url: `${security.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}` };
}
