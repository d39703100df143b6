/**
 * Cross-site request forgery.
 *
 * A page on another site can make the browser send requests to this API that carry no preflight:
 * GET/HEAD, and POST with `text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`
 * or no body at all. The browser attaches cookies to them (subject to SameSite), but never a header
 * the page chose. Hence:
 * - Requests authenticated by a header the page would have to set (`Authorization: Bearer`,
 *   `X-API-Key`) cannot be forged: a forged request has no credentials and is a 401.
 * - Requests authenticated by the session cookie and changing state must prove they come from our
 *   own pages: a double-submit token (`X-CSRF-Token` equal to the `vigil_csrf` cookie, which only
 *   a page of our origin can read), and, when the browser says where the request comes from
 *   (Origin, else Referer, else Sec-Fetch-Site), that it is one of ours.
 * - Safe methods (GET, HEAD, OPTIONS) change nothing, so they need neither; bodiless POSTs are state
 *   changes like any other and get no exception.
 * Until sign-in exists every caller acts as the local admin, so every state-changing request must
 * at least pass the origin check (`assertSameOrigin`): that is what stops a web page the operator
 * opens from retrying dead letters or acknowledging alerts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden } from './route.ts';
import type { HostPolicy } from './security/hosts.ts';

import { CSRF_COOKIE, CSRF_HEADER } from './contract/auth.ts';

export { CSRF_COOKIE, CSRF_HEADER };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const changesState = (req: FastifyRequest): boolean => !SAFE_METHODS.has(req.method);

/** A fresh double-submit token, for the `vigil_csrf` cookie (readable by our pages: not httpOnly) set at sign-in. */
export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

/** Cookie options of the `vigil_csrf` cookie: same lifetime and scope as the session cookie, but readable by scripts. */
export const csrfCookieOptions = (secure: boolean) => ({ path: '/', sameSite: 'strict' as const, secure, httpOnly: false });

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function originOf(referer: string): string | undefined {
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/**
 * 403 for a state-changing request the browser says came from another site: its Origin (or, without
 * one, its Referer's origin) is not ours, or Sec-Fetch-Site is cross-site. Requests that carry none
 * of these (curl, scripts, old browsers on same-origin requests) pass: they are not cross-site forms.
 */
export function assertSameOrigin(req: FastifyRequest, hosts: HostPolicy): void {
  if (!changesState(req)) return;
  const origin = req.headers.origin ?? (req.headers.referer ? originOf(req.headers.referer) ?? 'null' : undefined);
  if (origin !== undefined) {
    if (hosts.isOurOrigin(origin, req.headers.host)) return;
    throw forbidden(`cross-site request refused: origin ${origin.slice(0, 200)} is not a page of this API`);
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') throw forbidden('cross-site request refused (Sec-Fetch-Site: cross-site)');
}

/**
 * For a request authenticated by the session cookie: the origin check above and the double-submit
 * token. Sign-in calls this before accepting a cookie as the credential of a state-changing request.
 */
export function assertSameSiteRequest(req: FastifyRequest, hosts: HostPolicy): void {
  if (!changesState(req)) return;
  assertSameOrigin(req, hosts);
  const sent = req.headers[CSRF_HEADER];
  const cookie = cookieValue(req.headers.cookie, CSRF_COOKIE);
  if (typeof sent !== 'string' || !sent || !cookie) {
    throw forbidden(`a state change authenticated by the session cookie needs the ${CSRF_HEADER} header equal to the ${CSRF_COOKIE} cookie`);
  }
  const a = Buffer.from(sent);
  const b = Buffer.from(cookie);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw forbidden(`the ${CSRF_HEADER} header does not match the ${CSRF_COOKIE} cookie`);
}
