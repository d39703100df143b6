/**
 * Request rate limits (@fastify/rate-limit, in memory: one API process). Every request is counted in
 * one bucket, chosen by what it is and who sends it:
 * - probes (/health/*) are never limited: a load balancer or kubelet polling them must not be
 *   refused, and they read nothing;
 * - sign-in (`POST /api/v1/auth/login`) per client IP, tight: it is where passwords are guessed;
 * - face search per caller, tight: each is a privacy-relevant search over everyone's faces;
 * - media (live and VOD HLS playlists and segments, player assets) per caller, sized for a live
 *   grid: an hls.js player of 16 cameras fetches ~16 segments and ~16 playlists a second, about
 *   2000 requests a minute, which the general API limit would cut after three seconds;
 * - everything else per caller.
 * The caller is the X-API-Key (by its hash: the key itself is never kept) when one is sent — a
 * gateway behind one address gets the larger key budget — else the client IP (req.ip, the real
 * client when api.trusted_proxies names the proxy). A made-up key gets its own bucket, but every
 * request with it is refused by sign-in. Clients on this box itself (loopback) may be exempt from
 * the API and media limits, which are about clients on the network; sign-in and face search are
 * limited for them too.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../route.ts';
import { isLoopback } from './hosts.ts';

export interface RateLimitConfig {
  per_ip_per_minute: number;
  per_api_key_per_minute: number;
  login_per_minute: number;
  face_search_per_minute: number;
  media_per_minute: number;
  exempt_loopback: boolean;
}

export const LOGIN_ROUTE = 'POST /api/v1/auth/login';
/** by photo, and by a stored face */
const FACE_SEARCH_ROUTES = new Set(['POST /api/v1/search/faces', 'GET /api/v1/search/faces/:embeddingId']);
const MEDIA_PREFIXES = ['/live/', '/vod/', '/assets/'];
const PROBE_PREFIX = '/health/';
export const WINDOW_MS = 60_000;
/** Counters kept (least recently used dropped): far more clients than one site has. */
const CACHE_SIZE = 50_000;

type Bucket = 'login' | 'face_search' | 'media' | 'api';

/** The route's template, or the path of a request no route matches (counted like the route it aims at). */
const pathOf = (req: FastifyRequest): string => req.routeOptions.url ?? req.url.split('?')[0] ?? '';

function bucketOf(req: FastifyRequest): Bucket {
  const path = pathOf(req);
  const route = `${req.method} ${path}`;
  if (route === LOGIN_ROUTE) return 'login';
  if (FACE_SEARCH_ROUTES.has(route)) return 'face_search';
  if (MEDIA_PREFIXES.some((p) => path.startsWith(p))) return 'media';
  return 'api';
}

function callerOf(req: FastifyRequest, bucket: Bucket): string {
  const key = req.headers['x-api-key'];
  // sign-in takes no API key: count it by address whatever is sent
  if (typeof key === 'string' && key && bucket !== 'login') return `key:${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
  return `ip:${req.ip}`;
}

/** Options of `app.rateLimit()` implementing the buckets above. */
export function rateLimitOptions(c: RateLimitConfig) {
  const limits: Record<Bucket, (byKey: boolean) => number> = {
    login: () => c.login_per_minute,
    face_search: () => c.face_search_per_minute,
    media: () => c.media_per_minute,
    api: (byKey) => (byKey ? c.per_api_key_per_minute : c.per_ip_per_minute),
  };
  return {
    timeWindow: WINDOW_MS,
    cache: CACHE_SIZE,
    allowList: (req: FastifyRequest) => {
      if (pathOf(req).startsWith(PROBE_PREFIX)) return true;
      const bucket = bucketOf(req);
      return c.exempt_loopback && (bucket === 'api' || bucket === 'media') && isLoopback(req.ip);
    },
    keyGenerator: (req: FastifyRequest) => {
      const bucket = bucketOf(req);
      return `${bucket}|${callerOf(req, bucket)}`;
    },
    max: (_req: FastifyRequest, key: string) => {
      const [bucket, caller] = key.split('|') as [Bucket, string];
      return limits[bucket](caller.startsWith('key:'));
    },
    errorResponseBuilder: (_req: FastifyRequest, ctx: { max: number; after: string }) =>
      new HttpError(429, 'rate_limited', `too many requests: at most ${ctx.max} a minute for this kind of request; retry in ${ctx.after}`),
  };
}
