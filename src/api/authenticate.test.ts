import { createHmac, createPublicKey } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signInApp, TestAuth } from '../../test/fixtures/api-auth.ts';
import { fullTestApi } from '../../test/fixtures/auth-test-api.ts';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('access tokens: every forged, stale or foreign token is a 401 with a reason', () => {
  let auth: TestAuth;
  let app: FastifyInstance;
  let good: string;
  let claims: JWTPayload;

  beforeAll(async () => {
    auth = await TestAuth.open();
    app = fullTestApi(auth);
    good = (await signInApp(app, await createUser(auth.repos, 'operator'))).authorization.slice('Bearer '.length);
    claims = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString()) as JWTPayload;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await auth?.close();
  });

  const call = (token: string) => app.inject({ url: '/api/v1/cameras', headers: { authorization: `Bearer ${token}` } });
  const kid = () => auth.stack.keys.current().kid;
  /** a token signed with the server's own key, with claims and header changed */
  const serverSigned = (over: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...claims, ...over }).setProtectedHeader({ alg: 'RS256', kid: kid(), ...header }).sign(auth.stack.keys.current().privateKey);
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts the real token (the baseline every case below departs from)', async () => {
    expect((await call(good)).statusCode).toBe(200);
  });

  const cases: Array<[string, () => Promise<string> | string, RegExp]> = [
    ['alg none', () => `${b64({ alg: 'none', kid: kid() })}.${good.split('.')[1]}.`, /algorithm "none"/],
    ['alg None', () => `${b64({ alg: 'None', kid: kid() })}.${good.split('.')[1]}.`, /algorithm "None"/],
    ['alg NONE', () => `${b64({ alg: 'NONE', kid: kid() })}.${good.split('.')[1]}.`, /algorithm "NONE"/],
    ['HS256 signed with the server\'s RSA public key', async () => {
      const jwk = auth.stack.keys.jwks().keys[0]!;
      const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: kid() })}.${good.split('.')[1]}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    }, /algorithm "HS256"/],
    ['embedded jwk', async () => {
      const k = await generateKeyPair('RS256', { extractable: true });
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: kid(), jwk: await exportJWK(k.publicKey) }).sign(k.privateKey);
    }, /names its own key \(jwk\)/],
    ['jku', async () => serverSigned({}, { jku: 'https://attacker.example/jwks.json' }), /names its own key \(jku\)/],
    ['x5u', async () => serverSigned({}, { x5u: 'https://attacker.example/cert.pem' }), /names its own key \(x5u\)/],
    ['unknown kid', async () => serverSigned({}, { kid: 'AAAAAAAAAAAAAAAAAAAAAA' }), /key this server does not have/],
    ['path-like kid', async () => serverSigned({}, { kid: '../../../../etc/passwd' }), /no valid key id/],
    ['no kid', async () => serverSigned({}, { kid: undefined }), /no valid key id/],
    ['expired', async () => serverSigned({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 1800 }), /expired/],
    ['not yet valid', async () => serverSigned({ nbf: now() + 3600, exp: now() + 7200 }), /not valid yet/],
    ['wrong issuer', async () => serverSigned({ iss: 'someone-else' }), /issuer/],
    ['wrong audience', async () => serverSigned({ aud: 'another-api' }), /audience/],
    ['truncated signature', () => good.slice(0, -10), /signature invalid|malformed/],
    ['re-encoded signature (base64 with padding)', () => {
      const [h, p, s] = good.split('.');
      return `${h}.${p}.${Buffer.from(s!, 'base64url').toString('base64')}`;
    }, /signature invalid|malformed/],
    ['signature of another token', async () => `${good.split('.').slice(0, 2).join('.')}.${(await serverSigned({ sub: '999' })).split('.')[2]}`, /signature invalid/],
    ['changed claims, original signature', () => {
      const [h, , s] = good.split('.');
      return `${h}.${b64({ ...claims, role: 'admin' })}.${s}`;
    }, /signature invalid/],
    ['another key with our kid', async () => {
      const k = await generateKeyPair('RS256');
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: kid() }).sign(k.privateKey);
    }, /signature invalid/],
    ['oversized', () => `${good}${'A'.repeat(5000)}`, /longer than/],
    ['not a JWT', () => 'hello', /malformed/],
    ['claims of another shape', async () => serverSigned({ role: 'root' }), /claims are incomplete/],
  ];

  it.each(cases)('%s → 401', async (_name, make, reason) => {
    const r = await call(await make());
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toBe('unauthenticated');
    expect(r.json().message).toMatch(reason);
  });

  it('a malformed Authorization header or an unknown API key is a 401 with a reason', async () => {
    const basic = await app.inject({ url: '/api/v1/cameras', headers: { authorization: 'Basic YTpi' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().message).toContain('Bearer');
    const key = await app.inject({ url: '/api/v1/cameras', headers: { 'x-api-key': 'vk_nope' } });
    expect(key.statusCode).toBe(401);
    expect(key.json().message).toContain('API key');
  });

  it('no credentials at all: 401 naming the ways to sign in', async () => {
    const r = await app.inject('/api/v1/cameras');
    expect(r.statusCode).toBe(401);
    expect(r.json().message).toContain('bearer token');
  });
});

describe('key rotation', () => {
  it('a token of the previous key keeps verifying until its lifetime has passed; JWKS serves both meanwhile', async () => {
    const auth = await TestAuth.open();
    try {
      const claims = { userId: 1, username: 'u', role: 'viewer' as const, cameras: null, sid: '00000000-0000-4000-8000-000000000000' };
      const before = await auth.stack.tokens.issue('access', claims);
      const oldKid = auth.stack.keys.current().kid;
      const newKid = await auth.stack.keys.rotate();
      expect(newKid).not.toBe(oldKid);
      await expect(auth.stack.tokens.verify(before.token, 'access')).resolves.toMatchObject({ username: 'u' });
      const after = await auth.stack.tokens.issue('access', claims);
      expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
      expect(auth.stack.keys.jwks().keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
      // past the access-token lifetime the retired key verifies nothing
      const later = new Date(Date.now() + 16 * 60_000);
      expect(auth.stack.keys.verificationKey(oldKid, later)).toBeNull();
      expect(auth.stack.keys.verificationKey(newKid, later)).not.toBeNull();
    } finally {
      await auth.close();
    }
  }, 60_000);

  it('a key rotated by another process (vigil keys rotate) is picked up by the running one', async () => {
    const auth = await TestAuth.open();
    try {
      const { SigningKeys } = await import('../auth/signing-keys.ts');
      const path = await import('node:path');
      const claims = { userId: 1, username: 'u', role: 'viewer' as const, cameras: null, sid: '00000000-0000-4000-8000-000000000000' };
      const before = await auth.stack.tokens.issue('access', claims);
      const cli = await SigningKeys.open(path.join(auth.dataDir, 'keys'), 900_000);
      const rotated = await cli.rotate();
      const after = await auth.stack.tokens.issue('access', claims);
      expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(rotated);
      await expect(auth.stack.tokens.verify(before.token, 'access')).resolves.toMatchObject({ username: 'u' });
      // and a token signed by the other process verifies here
      const tokensOfCli = new (await import('../auth/tokens.ts')).Tokens(cli, { issuer: 'vigil', audience: 'vigil-api', ttlSeconds: { access: 900, media: 600, mfa_enrol: 900 } });
      await expect(auth.stack.tokens.verify((await tokensOfCli.issue('access', claims)).token, 'access')).resolves.toMatchObject({ userId: 1 });
    } finally {
      await auth.close();
    }
  }, 60_000);

  it('keys survive a restart, private key files readable by their owner only', async () => {
    const { SigningKeys } = await import('../auth/signing-keys.ts');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-keys-'));
    try {
      const a = await SigningKeys.open(path.join(dir, 'keys'), 900_000);
      const b = await SigningKeys.open(path.join(dir, 'keys'), 900_000);
      expect(b.current().kid).toBe(a.current().kid);
      for (const f of fs.readdirSync(path.join(dir, 'keys'))) expect(fs.statSync(path.join(dir, 'keys', f)).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, 'keys')).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
