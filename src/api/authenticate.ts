import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.ts';
import { TokenError, type Tokens, type TokenUse, type VerifiedToken } from '../auth/tokens.ts';
import type { Actor } from './contract/actor.ts';
import { ACCESS_COOKIE } from './contract/auth.ts';
import { unauthenticated, type Authenticate } from './route.ts';
import { assertSameSiteRequest, changesState } from './csrf.ts';
import type { HostPolicy } from './security/hosts.ts';

/** How a request proved who sent it: CSRF checks apply to cookies, audit rows name it. */
export type AuthVia = 'bearer' | 'cookie' | 'api_key' | 'media_token';

declare module 'fastify' {
  interface FastifyRequest {
    authVia?: AuthVia;
  }
}

/** API keys (edge gateways, scripts), verified by whoever keeps them. */
export interface ApiKeyVerifier {
  /** the key's actor; null when the key is unknown, expired or revoked */
  verify(key: string, ip: string): Promise<Actor | null>;
}

export const REFRESH_COOKIE = 'vigil_refresh';


export const requestCookies = (req: FastifyRequest): Record<string, string | undefined> => fastifyCookie.parse(req.headers.cookie ?? '');

const actorOf = (t: VerifiedToken): Actor => ({
  kind: 'user', id: t.userId, name: t.username, role: t.role, cameras: t.cameras, routes: null, sessionId: t.sid, expiresAt: t.expiresAt,
});

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0]!;

/**
 * The API's `Authenticate`: in this order, `Authorization: Bearer <jwt>`, `X-API-Key`, a media
 * token in `?token=` (GET/HEAD of the camera's media only), the access-token cookie (same-origin
 * players: `<video>`, hls.js, the player page). Credentials that are present but invalid are a
 * 401 with the reason; none at all is null (the route decides).
 */
export function createAuthenticate(d: { auth: AuthService; tokens: Tokens; apiKeys?: ApiKeyVerifier; hosts: HostPolicy }): Authenticate {
  const fromToken = async (token: string, use: TokenUse): Promise<VerifiedToken> => {
    let t: VerifiedToken;
    try {
      t = await d.tokens.verify(token, use);
    } catch (e) {
      if (e instanceof TokenError) throw unauthenticated(e.message);
      throw e;
    }
    if (!(await d.auth.sessionActive(t.sid))) throw unauthenticated('this session was ended (signed out or revoked); sign in again');
    return t;
  };

  return async (req) => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const m = /^Bearer +([^\s]+)\s*$/i.exec(authorization);
      if (!m) throw unauthenticated('the Authorization header must be "Bearer <access token>"');
      req.authVia = 'bearer';
      return actorOf(await fromToken(m[1]!, 'access'));
    }
    const apiKey = req.headers['x-api-key'];
    if (apiKey !== undefined) {
      if (!d.apiKeys || typeof apiKey !== 'string') throw unauthenticated('API key invalid, expired or revoked');
      const actor = await d.apiKeys.verify(apiKey, req.ip);
      if (!actor) throw unauthenticated('API key invalid, expired or revoked');
      req.authVia = 'api_key';
      return actor;
    }
    const mediaToken = (req.query as Record<string, unknown> | undefined)?.token;
    if (typeof mediaToken === 'string') {
      const t = await fromToken(mediaToken, 'media');
      const path = pathOf(req);
      if (changesState(req) || !t.paths?.some((p) => path.startsWith(p))) throw unauthenticated('this media token does not open this URL');
      req.authVia = 'media_token';
      return actorOf(t);
    }
    const cookie = requestCookies(req)[ACCESS_COOKIE];
    if (cookie !== undefined) {
      const actor = actorOf(await fromToken(cookie, 'access'));
      req.authVia = 'cookie';
      assertSameSiteRequest(req, d.hosts);
      return actor;
    }
    return null;
  };
}
