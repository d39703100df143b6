import { randomBytes } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError, claimsOf, type AuthService, type IssuedTokens, type RequestInfo } from '../../auth/service.ts';
import { TokenError, type Tokens } from '../../auth/tokens.ts';
import type { SigningKeys } from '../../auth/signing-keys.ts';
import type { AuthUserRow } from '../../store/repositories/auth-users.ts';
import { REFRESH_COOKIE, requestCookies } from '../authenticate.ts';
import { ACCESS_COOKIE } from '../contract/auth.ts';
import { assertSameSiteRequest, CSRF_COOKIE } from '../csrf.ts';
import type { HostPolicy } from '../security/hosts.ts';
import {
  codeBody, confirmResponse, enrolResponse, jwksResponse, loginBody, loginResponse, mediaTokenBody, mediaTokenResponse, meResponse,
  sessionList, sessionParams, setupBody, tokenResponse, userView,
} from '../contract/auth.ts';
import { actorSeesCamera, type Actor } from '../contract/actor.ts';
import { addRoute, badRequest, forbidden, HttpError, notFound, unauthenticated } from '../route.ts';

export interface AuthRouteDeps {
  auth: { service: AuthService; tokens: Tokens; keys: SigningKeys; cookieSecure: boolean; cameraIds: () => readonly string[] };
  /** our host names: the refresh and logout cookies are only honoured from our own pages */
  hosts: HostPolicy;
}

export const AUTH_PATH = '/api/v1/auth';
const noQuery = z.object({}).strict();

const httpOf = (e: unknown): unknown => {
  if (e instanceof AuthError) return new HttpError(e.status, e.code, e.message);
  if (e instanceof TokenError) return new HttpError(401, 'unauthenticated', e.message);
  return e;
};

/** runs a service call, answering its refusals (AuthError) with their status, code and Retry-After */
async function call<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AuthError && e.retryAfterSeconds) void reply.header('retry-after', String(e.retryAfterSeconds));
    throw httpOf(e);
  }
}

const requestInfo = (req: FastifyRequest): RequestInfo => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });

const viewOf = (u: AuthUserRow): z.input<typeof userView> => ({ id: u.id, username: u.username, role: u.role, cameras: u.cameras, mfa_enabled: u.mfa_enabled });

export function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { service, tokens, keys, cookieSecure } = deps.auth;
  const cookie = (name: string, value: string, o: { path: string; maxAge: number; httpOnly: boolean }): string =>
    fastifyCookie.serialize(name, value, { ...o, secure: cookieSecure, sameSite: 'strict' });

  /** the access token as a cookie (same-origin media), the refresh token scoped to the auth routes, the CSRF token readable by the page */
  const signedIn = (reply: FastifyReply, user: AuthUserRow, t: IssuedTokens): z.input<typeof tokenResponse> => {
    const now = Date.now();
    const accessAge = Math.max(1, Math.floor((t.accessExpiresAt.getTime() - now) / 1000));
    const refreshAge = Math.max(1, Math.floor((t.refreshExpiresAt.getTime() - now) / 1000));
    void reply.header('set-cookie', [
      cookie(ACCESS_COOKIE, t.accessToken, { path: '/', maxAge: accessAge, httpOnly: true }),
      cookie(REFRESH_COOKIE, t.refreshToken, { path: AUTH_PATH, maxAge: refreshAge, httpOnly: true }),
      cookie(CSRF_COOKIE, randomBytes(18).toString('base64url'), { path: '/', maxAge: refreshAge, httpOnly: false }),
    ]);
    void reply.header('cache-control', 'no-store');
    return {
      access_token: t.accessToken, token_type: 'Bearer', expires_at: t.accessExpiresAt.toISOString(), expires_in: accessAge,
      session_id: t.sessionId, user: viewOf(user),
    };
  };
  const clearCookies = (reply: FastifyReply): void => {
    void reply.header('set-cookie', [
      cookie(ACCESS_COOKIE, '', { path: '/', maxAge: 0, httpOnly: true }),
      cookie(REFRESH_COOKIE, '', { path: AUTH_PATH, maxAge: 0, httpOnly: true }),
      cookie(CSRF_COOKIE, '', { path: '/', maxAge: 0, httpOnly: false }),
    ]);
  };
  /** the signed-in user, or the admin holding an enrolment token (which opens only MFA enrolment) */
  const enrollingUser = async (actor: Actor | null, req: FastifyRequest): Promise<{ userId: number; viaEnrolToken: boolean }> => {
    if (actor?.kind === 'user') return { userId: actor.id, viaEnrolToken: false };
    if (actor) throw forbidden('API keys have no second factor');
    const m = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) throw unauthenticated('sign in first (or send the enrolment token from the login response as a bearer token)');
    const t = await tokens.verify(m[1]!, 'mfa_enrol').catch((e: unknown) => { throw httpOf(e); });
    return { userId: t.userId, viaEnrolToken: true };
  };
  const ownUser = (actor: Actor): number => {
    if (actor.kind !== 'user') throw forbidden('API keys have no sessions or second factor');
    return actor.id;
  };

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/login`, permission: 'public', tag: 'auth', query: noQuery, body: loginBody, response: loginResponse,
    summary: 'Sign in: an access token (and the session cookies); an admin without MFA gets a token that only enrols it',
    handler: async ({ body, req, reply }) => {
      const r = await call(reply, () => service.login(body, requestInfo(req)));
      if (r.kind === 'mfa_enrolment_required') {
        return { mfa_enrolment_required: true as const, enrolment_token: r.enrolToken, expires_at: r.enrolExpiresAt.toISOString(), user: viewOf(r.user) };
      }
      return { ...signedIn(reply, r.user, r), mfa_enrolment_required: false as const };
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/refresh`, permission: 'public', tag: 'auth', query: noQuery, response: tokenResponse,
    summary: 'A new access token for the refresh cookie, which is replaced (a used one presented again ends the session)',
    handler: async ({ req, reply }) => {
      const refresh = requestCookies(req)[REFRESH_COOKIE];
      if (!refresh) throw unauthenticated(`no ${REFRESH_COOKIE} cookie: sign in`);
      assertSameSiteRequest(req, deps.hosts);
      const r = await call(reply, () => service.refresh(refresh, requestInfo(req)));
      return signedIn(reply, r.user, r);
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/logout`, permission: 'self:manage', tag: 'auth', status: 204, query: noQuery,
    summary: 'Sign out: ends this session (its refresh and access tokens) and clears the cookies',
    handler: async ({ actor, reply }) => {
      if (!actor.sessionId) throw badRequest('this credential has no session to end (API keys are revoked by an admin)');
      await service.revoke(actor.sessionId, 'signed out');
      clearCookies(reply);
      return reply.code(204).send();
    },
  });

  addRoute(app, {
    method: 'GET', url: `${AUTH_PATH}/me`, permission: 'self:manage', tag: 'auth', query: noQuery, response: meResponse,
    summary: 'Who the caller is: role, cameras, session',
    handler: async ({ actor }) => {
      const user = actor.kind === 'user' ? await service.user(actor.id) : null;
      return {
        kind: actor.kind, id: actor.id, name: actor.name, role: actor.role, cameras: actor.cameras ? [...actor.cameras] : null,
        session_id: actor.sessionId ?? null, expires_at: actor.expiresAt?.toISOString() ?? null, mfa_enabled: user ? user.mfa_enabled : null,
      };
    },
  });

  addRoute(app, {
    method: 'GET', url: `${AUTH_PATH}/sessions`, permission: 'self:manage', tag: 'auth', query: noQuery, response: sessionList,
    summary: 'The caller\'s active sessions (sign-ins)',
    handler: async ({ actor }) => ({
      items: (await service.listSessions(ownUser(actor))).map((s) => ({
        id: s.id, created_at: s.created_at.toISOString(), last_used_at: s.last_used_at.toISOString(), expires_at: s.expires_at.toISOString(),
        ip: s.ip, user_agent: s.user_agent, current: s.id === actor.sessionId,
      })),
    }),
  });

  addRoute(app, {
    method: 'DELETE', url: `${AUTH_PATH}/sessions/:id`, permission: 'self:manage', tag: 'auth', status: 204, params: sessionParams, query: noQuery,
    summary: 'Ends one of the caller\'s sessions (e.g. a lost phone)',
    handler: async ({ actor, params, reply }) => {
      if (!(await service.revokeOwn(ownUser(actor), params.id))) throw notFound(`no active session ${params.id} of yours`);
      return reply.code(204).send();
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/mfa/enrol`, permission: 'public', tag: 'auth', query: noQuery, response: enrolResponse,
    summary: 'Starts TOTP enrolment: an otpauth URI and its QR code (signed in, or with the enrolment token of an admin\'s login)',
    handler: async ({ actor, req, reply }) => {
      const { userId } = await enrollingUser(actor, req);
      const e = await call(reply, () => service.enrolMfa(userId));
      void reply.header('cache-control', 'no-store');
      return { otpauth_uri: e.otpauthUri, qr: e.qrDataUrl, secret: e.secret };
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/mfa/confirm`, permission: 'public', tag: 'auth', query: noQuery, body: codeBody, response: confirmResponse,
    summary: 'Turns MFA on with a code of the new authenticator; returns recovery codes (once) and, after an enrolment token, the completed sign-in',
    handler: async ({ actor, body, req, reply }) => {
      const who = await enrollingUser(actor, req);
      const { user, recoveryCodes } = await call(reply, () => service.confirmMfa(who.userId, body.code));
      if (!who.viaEnrolToken) return { recovery_codes: recoveryCodes };
      const t = await service.startSessionAfterEnrolment(user, requestInfo(req));
      return { recovery_codes: recoveryCodes, signed_in: signedIn(reply, user, t) };
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/mfa/disable`, permission: 'self:manage', tag: 'auth', status: 204, query: noQuery, body: codeBody,
    summary: 'Turns MFA off (not for admins) with a current code or a recovery code',
    handler: async ({ actor, body, reply }) => {
      await call(reply, () => service.disableMfa(ownUser(actor), body.code));
      return reply.code(204).send();
    },
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/setup`, permission: 'public', tag: 'auth', query: noQuery, body: setupBody, response: userView,
    summary: 'Creates the first admin with the one-time setup code printed in the log (only while no user exists)',
    handler: async ({ body, reply }) => viewOf(await call(reply, () => service.setup(body))),
  });

  addRoute(app, {
    method: 'POST', url: `${AUTH_PATH}/media-token`, permission: 'live:watch', tag: 'auth', query: noQuery, body: mediaTokenBody, response: mediaTokenResponse,
    summary: 'A short-lived token opening one camera\'s media URLs as ?token=… (for players that cannot send headers or cookies)',
    handler: async ({ actor, body }) => {
      if (!deps.auth.cameraIds().includes(body.camera_id) || !actorSeesCamera(actor, body.camera_id)) throw notFound(`camera ${body.camera_id}`);
      if (actor.kind !== 'user' || !actor.sessionId) throw forbidden('API keys send X-API-Key on media URLs instead');
      const claims = claimsOf({ id: actor.id, username: actor.name, role: actor.role, cameras: actor.cameras ? [...actor.cameras] : null }, actor.sessionId);
      const t = await service.mediaToken(claims, body.camera_id);
      return { token: t.token, expires_at: t.expiresAt.toISOString(), paths: t.paths };
    },
  });

  addRoute(app, {
    method: 'GET', url: '/.well-known/jwks.json', permission: 'public', tag: 'auth', query: noQuery, response: jwksResponse,
    summary: 'Public keys that verify this API\'s tokens (JWKS)',
    handler: async () => keys.jwks() as z.input<typeof jwksResponse>,
  });
}
