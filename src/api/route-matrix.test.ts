import type { FastifyInstance, InjectOptions } from 'fastify';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signInApp, TestAuth } from '../../test/fixtures/api-auth.ts';
import { fullTestApi } from '../../test/fixtures/auth-test-api.ts';
import { ROLES, roleAllows, type Role } from './contract/permissions.ts';
import { registeredRoutes } from './route.ts';

/**
 * Every registered route × every kind of caller, generated from the route declarations: a route
 * added later is covered without touching this test. Allowed = neither 401 nor 403.
 */
type Caller = Role | 'no token' | 'expired' | 'wrong key' | 'viewer of another camera';
const CALLERS: readonly Caller[] = [...ROLES, 'no token', 'expired', 'wrong key', 'viewer of another camera'];

/** public routes whose handler wants its own credential (refresh cookie, setup code, enrolment token) */
const OWN_CREDENTIAL = new Set(['POST /api/v1/auth/refresh', 'POST /api/v1/auth/setup', 'POST /api/v1/auth/mfa/enrol', 'POST /api/v1/auth/mfa/confirm']);
/** these end the caller's session: called last, so the other rows keep their tokens */
const ENDS_SESSION = new Set(['POST /api/v1/auth/logout']);

const SAMPLE: Record<string, string> = { cameraId: 'cam_a', file: 'index.m3u8', segmentId: '1', session: '00000000-0000-4000-8000-000000000000', name: 'player.js' };
/** the user that /api/v1/users/:id routes act on: a bystander, since resetting a caller's second factor ends its sessions */
let bystanderId = '1';
const sampleId = (template: string): string => {
  if (template.startsWith('/api/v1/cameras/:id')) return 'cam_a';
  if (template.startsWith('/api/v1/users/:id')) return bystanderId;
  return template.includes('/sessions/') ? SAMPLE.session! : '1';
};
const urlOf = (template: string): string => template.replace(/:([A-Za-z_]+)/g, (_m, p: string) => (p === 'id' ? sampleId(template) : SAMPLE[p] ?? '1'));

describe('route × caller matrix', () => {
  let auth: TestAuth;
  let app: FastifyInstance;
  const headers = new Map<Caller, Record<string, string>>();

  beforeAll(async () => {
    auth = await TestAuth.open();
    app = fullTestApi(auth);
    const bystander = await createUser(auth.repos, 'viewer');
    bystanderId = String((await auth.repos.authUsers.byName(bystander.username))!.id);
    for (const role of ROLES) headers.set(role, { authorization: (await signInApp(app, await createUser(auth.repos, role))).authorization });
    headers.set('viewer of another camera', { authorization: (await signInApp(app, await createUser(auth.repos, 'viewer', { cameras: ['cam_b'] }))).authorization });
    headers.set('no token', {});
    const claims = JSON.parse(Buffer.from(headers.get('operator')!.authorization!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'RS256', kid: auth.stack.keys.current().kid }).sign(auth.stack.keys.current().privateKey);
    headers.set('expired', { authorization: `Bearer ${expired}` });
    const foreign = await generateKeyPair('RS256');
    headers.set('wrong key', { authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: auth.stack.keys.current().kid }).sign(foreign.privateKey)}` });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
  });

  it('answers every route for every caller as its permission says', async () => {
    const routes = [...registeredRoutes(app)].sort((a, b) => Number(ENDS_SESSION.has(`${a.method} ${a.url}`)) - Number(ENDS_SESSION.has(`${b.method} ${b.url}`)));
    expect(routes.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    const serverErrors: string[] = [];
    let cells = 0;
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const aboutCamera = /:cameraId|^\/api\/v1\/cameras\/:id/.test(r.url);
      for (const caller of CALLERS) {
        const res = await app.inject({ method: r.method as InjectOptions['method'], url: urlOf(r.url), headers: headers.get(caller) });
        cells++;
        const s = res.statusCode;
        if (s >= 500 && s !== 503) serverErrors.push(`${key} as ${caller}: ${s} ${res.body.slice(0, 200)}`);
        const denied = s === 401 || s === 403;
        let expected: string;
        let ok: boolean;
        if (r.permission === 'public') {
          const needsOwn = OWN_CREDENTIAL.has(key) && (caller === 'no token' || caller === 'expired' || caller === 'wrong key');
          // refused before or after its body is read: never served
          expected = needsOwn ? '401 or 400' : 'not 403';
          ok = needsOwn ? s === 401 || s === 400 : s !== 403;
        } else if (caller === 'no token' || caller === 'expired' || caller === 'wrong key') {
          expected = '401';
          ok = s === 401;
        } else {
          const role: Role = caller === 'viewer of another camera' ? 'viewer' : caller;
          const allowed = roleAllows(role, r.permission);
          if (!allowed) {
            expected = '403';
            ok = s === 403;
          } else if (caller === 'viewer of another camera' && aboutCamera) {
            expected = '404 (the camera is hidden)';
            ok = s === 404;
          } else {
            expected = 'allowed';
            ok = !denied;
          }
        }
        if (!ok) wrong.push(`${key} as ${caller}: ${s}, expected ${expected} (${res.body.slice(0, 120)})`);
      }
    }
    console.warn(`route matrix: ${routes.length} routes × ${CALLERS.length} callers = ${cells} requests, ${serverErrors.length} responses ≥ 500 other than 503 (unavailable by design)`);
    expect(wrong).toEqual([]);
    expect(serverErrors).toEqual([]);
  }, 300_000);
});
