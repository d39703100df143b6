import { describe, expect, it } from 'vitest';
import { authenticatorFor, digestResponse } from './auth.ts';

// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256
const rfc7616 = {
  user: 'Mufasa', pass: 'Circle of Life', realm: 'http-auth@example.org', method: 'GET', uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

describe('digestResponse', () => {
  it("matches RFC 7616's worked example for MD5 and SHA-256", () => {
    expect(digestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it("matches RFC 2617's example (MD5, qop=auth)", () => {
    expect(digestResponse({
      algorithm: 'MD5', user: 'Mufasa', pass: 'Circle Of Life', realm: 'testrealm@host.com', method: 'GET', uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: 1, cnonce: '0a4f113b',
    })).toBe('6629fae49393a05397450978507c4ef1');
  });
});

describe('authenticatorFor', () => {
  const creds = { user: 'Mufasa', pass: 'Circle of Life' };

  it("writes RFC 7616's Authorization header and counts nonce uses", () => {
    const challenge = `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="${rfc7616.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const auth = authenticatorFor(challenge, creds, rfc7616.cnonce)!;
    expect(auth.scheme).toBe('Digest');
    expect(auth.header('GET', '/dir/index.html')).toBe(
      `Digest username="Mufasa", realm="http-auth@example.org", nonce="${rfc7616.nonce}", uri="/dir/index.html", algorithm=MD5, qop=auth, nc=00000001, ` +
      `cnonce="${rfc7616.cnonce}", response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`);
    expect(auth.header('GET', '/dir/index.html')).toMatch(/nc=00000002, .*response="(?!8ca523f5)[0-9a-f]{32}"/);
  });

  it('answers Digest without qop as RFC 2069 did (no nc, no cnonce)', () => {
    const header = authenticatorFor('Digest realm="r", nonce="n"', { user: 'a', pass: 'b' })!.header('DESCRIBE', 'rtsp://h/x');
    const response = digestResponse({ algorithm: 'MD5', user: 'a', pass: 'b', realm: 'r', method: 'DESCRIBE', uri: 'rtsp://h/x', nonce: 'n', nc: 1, cnonce: '' });
    expect(header).toBe(`Digest username="a", realm="r", nonce="n", uri="rtsp://h/x", response="${response}"`);
  });

  it('prefers Digest over Basic when the server offers both, and falls back to Basic', () => {
    expect(authenticatorFor('Basic realm="x"\nDigest realm="x", nonce="n"', creds)!.scheme).toBe('Digest');
    expect(authenticatorFor('Basic realm="x"', { user: 'a', pass: 'b' })!.header('DESCRIBE', 'u')).toBe(`Basic ${Buffer.from('a:b').toString('base64')}`);
  });

  it('declines schemes and algorithms it cannot answer', () => {
    expect(authenticatorFor('Negotiate', creds)).toBeUndefined();
    expect(authenticatorFor('Digest realm="r", nonce="n", algorithm=SHA-512-256', creds)).toBeUndefined();
    expect(authenticatorFor('Digest realm="r"', creds)).toBeUndefined();
  });
});
