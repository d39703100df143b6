import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TestAuth } from '../../../test/fixtures/api-auth.ts';
import { fullTestApi } from '../../../test/fixtures/auth-test-api.ts';
import { currentCode } from '../../auth/mfa.ts';
import { logLines } from '../../../test/fixtures/log-lines.ts';

/** Set-Cookie values of a response, by cookie name */
function cookiesOf(r: LightMyRequestResponse): Map<string, { value: string; raw: string }> {
  const header = r.headers['set-cookie'];
  const list = Array.isArray(header) ? header : header ? [header] : [];
  return new Map(list.map((raw) => {
    const [pair] = raw.split(';');
    const [name, ...value] = pair!.split('=');
    return [name!, { value: value.join('='), raw }];
  }));
}

/** the Cookie header a browser would send back to the auth routes */
const cookieHeader = (r: LightMyRequestResponse): string => [...cookiesOf(r)].map(([n, c]) => `${n}=${c.value}`).join('; ');

describe('sign-in (PGlite, real tokens)', () => {
  const { log, lines } = logLines();
  let auth: TestAuth;
  let app: FastifyInstance;
  const login = (body: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body, headers });
  const bearer = (token: unknown) => ({ authorization: `Bearer ${String(token)}` });

  beforeAll(async () => {
    auth = await TestAuth.open({ log, config: { login: { account_free_failures: 3, ip_free_failures: 50, backoff_base_seconds: 30, backoff_max_seconds: 900, forget_after_minutes: 15, burst_failures: 4 } } });
    app = fullTestApi(auth);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
  });

  it('signs in with a password: access token in JSON, session cookies httpOnly, SameSite=Strict, refresh scoped to the auth routes', async () => {
    const c = await createUser(auth.repos, 'viewer');
    const r = await login(c);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ token_type: 'Bearer', mfa_enrolment_required: false, user: { username: c.username, role: 'viewer', mfa_enabled: false } });
    expect(body.expires_in).toBeGreaterThan(800);
    const cookies = cookiesOf(r);
    expect(cookies.get('vigil_refresh')!.raw).toMatch(/HttpOnly/);
    expect(cookies.get('vigil_refresh')!.raw).toMatch(/Path=\/api\/v1\/auth/);
    expect(cookies.get('vigil_refresh')!.raw).toMatch(/SameSite=Strict/);
    expect(cookies.get('vigil_access')!.raw).toMatch(/HttpOnly/);
    expect(cookies.get('vigil_csrf')!.raw).not.toMatch(/HttpOnly/);
    const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(body.access_token) });
    expect(me.json()).toMatchObject({ kind: 'user', name: c.username, role: 'viewer', cameras: null, session_id: body.session_id });
    expect(lines.join('')).not.toContain(c.password);
  });

  it('refuses a wrong password and an unknown user alike, with a reason', async () => {
    const c = await createUser(auth.repos, 'viewer');
    const wrong = await login({ ...c, password: 'not-the-password' });
    const unknown = await login({ username: 'nobody-here', password: 'whatever' });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().message).toBe('invalid username or password');
    expect((await login({ username: 'a\u0000b', password: 'x' })).statusCode).toBe(400);
  });

  it('rotates the refresh token on every use; presenting a used one revokes the whole session', async () => {
    const c = await createUser(auth.repos, 'operator');
    const first = await login(c);
    const refresh = (from: LightMyRequestResponse) => app.inject({
      method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: cookieHeader(from), 'x-csrf-token': cookiesOf(from).get('vigil_csrf')!.value },
    });
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: cookieHeader(first) } })).statusCode).toBe(403);
    const second = await refresh(first);
    expect(second.statusCode).toBe(200);
    expect(cookiesOf(second).get('vigil_refresh')!.value).not.toBe(cookiesOf(first).get('vigil_refresh')!.value);
    expect(second.json().session_id).toBe(first.json().session_id);
    const third = await refresh(second);
    expect(third.statusCode).toBe(200);
    // the first token again: theft assumed, the family ends
    const replay = await refresh(first);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().message).toContain('already used');
    expect((await refresh(third)).json().message).toContain('session was ended');
    const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(third.json().access_token) });
    expect(me.statusCode).toBe(401);
    expect(me.json().message).toContain('session was ended');
  });

  it('lists and revokes sessions; logout ends the session its token belongs to', async () => {
    const c = await createUser(auth.repos, 'viewer');
    const a = (await login(c)).json();
    const b = (await login(c)).json();
    const list = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(a.access_token) });
    expect(list.json().items.map((s: { id: string; current: boolean }) => [s.id, s.current]).sort()).toEqual([[a.session_id, true], [b.session_id, false]].sort());
    const other = await createUser(auth.repos, 'viewer');
    const stranger = (await login(other)).json();
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${a.session_id}`, headers: bearer(stranger.access_token) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${b.session_id}`, headers: bearer(a.access_token) })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(b.access_token) })).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/auth/sessions/not-a-uuid', headers: bearer(a.access_token) })).statusCode).toBe(400);
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(a.access_token) });
    expect(out.statusCode).toBe(204);
    expect(cookiesOf(out).get('vigil_access')!.raw).toMatch(/Max-Age=0/);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(a.access_token) })).statusCode).toBe(401);
  });

  it('an admin must enrol TOTP: the first login yields a token that only enrols; then the code is required, once', async () => {
    const c = await createUser(auth.repos, 'admin');
    const first = (await login(c)).json();
    expect(first).toMatchObject({ mfa_enrolment_required: true });
    expect(first.access_token).toBeUndefined();
    const enrolToken = bearer(first.enrolment_token);
    const blocked = await app.inject({ url: '/api/v1/cameras', headers: enrolToken });
    expect(blocked.statusCode).toBe(401);
    expect(blocked.json().message).toContain('audience');
    const enrol = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enrol', headers: enrolToken });
    expect(enrol.statusCode).toBe(200);
    expect(enrol.json().otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(enrol.json().qr).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = enrol.json().secret as string;
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', headers: enrolToken, payload: { code: '000000' } })).statusCode).toBe(400);
    const confirmed = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', headers: enrolToken, payload: { code: currentCode(secret) } });
    expect(confirmed.statusCode).toBe(200);
    const { recovery_codes: codes, signed_in: signedIn } = confirmed.json();
    expect(codes).toHaveLength(10);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(signedIn.access_token) })).json()).toMatchObject({ role: 'admin', mfa_enabled: true });
    // the secret is never shown again
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(signedIn.access_token) })).body).not.toContain(secret);

    const noCode = await login(c);
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().error).toBe('mfa_required');
    // the code confirming enrolment was spent: the same code again is a replay
    expect((await login({ ...c, totp: currentCode(secret) })).statusCode).toBe(401);
    const next = currentCode(secret, Date.now() + 30_000);
    expect((await login({ ...c, totp: next })).statusCode).toBe(200);
    expect((await login({ ...c, totp: next })).statusCode).toBe(401);
    expect((await login({ ...c, totp: codes[0] })).statusCode).toBe(200);
    expect((await login({ ...c, totp: codes[0] })).statusCode).toBe(401);
    const disable = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/disable', headers: bearer(signedIn.access_token), payload: { code: codes[1] } });
    expect(disable.statusCode).toBe(403);
  });

  it('slows down guessing per account (429 with Retry-After) never logging the password', async () => {
    const c = await createUser(auth.repos, 'viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login({ ...c, password: `guess-number-${i}` })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const locked = await login(c);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // another account from the same address is not locked by this one
    const d = await createUser(auth.repos, 'viewer');
    expect((await login(d)).statusCode).toBe(200);
    expect(lines.join('')).not.toContain('guess-number');
  });

  it('a cookie-authenticated state change needs the CSRF header (double submit)', async () => {
    const c = await createUser(auth.repos, 'operator');
    const r = await login(c);
    const cookie = cookieHeader(r);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const without = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect(without.statusCode).toBe(403);
    expect(without.json().message).toMatch(/x-csrf-token/i);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': 'forged' } });
    expect(wrong.statusCode).toBe(403);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': cookiesOf(r).get('vigil_csrf')!.value } });
    expect(ok.statusCode).toBe(204);
  });

  it('media tokens open one camera\'s media URLs only, for GET', async () => {
    const c = await createUser(auth.repos, 'viewer', { cameras: ['cam_a'] });
    const access = (await login(c)).json().access_token;
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/media-token', headers: bearer(access), payload: { camera_id: 'cam_b' } })).statusCode).toBe(404);
    const m = await app.inject({ method: 'POST', url: '/api/v1/auth/media-token', headers: bearer(access), payload: { camera_id: 'cam_a' } });
    expect(m.statusCode).toBe(200);
    const { token } = m.json();
    const live = await app.inject({ url: `/api/v1/cameras/cam_a/live?token=${token}` });
    expect([401, 403]).not.toContain(live.statusCode);
    expect((await app.inject({ url: `/api/v1/cameras/cam_b/live?token=${token}` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/api/v1/events?token=${token}` })).statusCode).toBe(401);
    // a media token is no access token
    expect((await app.inject({ url: '/api/v1/cameras', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('JWKS lists the public signing key, without private parts', async () => {
    const r = await app.inject('/.well-known/jwks.json');
    expect(r.statusCode).toBe(200);
    const [key] = r.json().keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: auth.stack.keys.current().kid });
    expect(key.d).toBeUndefined();
  });
});

describe('first run', () => {
  /** a store without users, its API, and the lines its sign-in logs */
  async function fresh(test: (o: { auth: TestAuth; app: FastifyInstance; lines: string[] }) => Promise<void>): Promise<void> {
    const { log, lines } = logLines();
    const auth = await TestAuth.open({ log });
    const app = fullTestApi(auth);
    try {
      await test({ auth, app, lines });
    } finally {
      await app.close();
      await auth.close();
    }
  }

  it('the demo creates an admin with a random password printed once', () => fresh(async ({ auth, app, lines }) => {
    await auth.stack.service.bootstrap('demo', 'http://127.0.0.1:8080/api/v1/auth/setup');
    await auth.stack.service.bootstrap('demo', 'http://127.0.0.1:8080/api/v1/auth/setup');
    const printed = lines.filter((l) => l.includes('password, shown only this once'));
    expect(printed).toHaveLength(1);
    const password = /is ([A-Za-z0-9_-]{16})/.exec(printed[0]!)?.[1];
    const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password } });
    expect(r.json()).toMatchObject({ mfa_enrolment_required: true, user: { username: 'admin', role: 'admin' } });
  }), 60_000);

  it('prints a one-time setup code that creates the first admin, once', () => fresh(async ({ auth, app, lines }) => {
    await auth.stack.service.bootstrap('setup', 'http://127.0.0.1:8080/api/v1/auth/setup');
    const token = /setup code ([A-Za-z0-9_-]+)/.exec(lines.join(''))?.[1];
    expect(token).toBeTruthy();
    const payload = { setup_code: token!, username: 'root', password: 'a long enough password' };
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { ...payload, setup_code: 'x'.repeat(token!.length) } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { ...payload, password: 'short' } })).statusCode).toBe(400);
    const created = await app.inject({ method: 'POST', url: '/api/v1/auth/setup', payload });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ username: 'root', role: 'admin' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { ...payload, username: 'root2' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root', password: payload.password } })).json().mfa_enrolment_required).toBe(true);
  }), 60_000);
});
