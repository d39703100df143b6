/**
 * RTSP authentication (RFC 2326 borrows HTTP's): Basic, and Digest per RFC 7616 (RFC 2617's MD5
 * with and without qop, plus SHA-256 and the -sess variants). One Authenticator answers every
 * request after the challenge, counting nonce uses as Digest requires.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Credentials {
  user: string;
  pass: string;
}

type Algorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const ALGORITHMS = new Map<string, Algorithm>(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

export interface DigestInput {
  algorithm: Algorithm;
  user: string;
  pass: string;
  realm: string;
  method: string;
  uri: string;
  nonce: string;
  /** absent for RFC 2069-style Digest (no qop in the challenge) */
  qop?: 'auth';
  nc: number;
  cnonce: string;
}

const hashOf = (algorithm: Algorithm) => (s: string): string =>
  createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');

const ncText = (nc: number): string => nc.toString(16).padStart(8, '0');

/** The `response` value of a Digest Authorization header. */
export function digestResponse(d: DigestInput): string {
  const h = hashOf(d.algorithm);
  let ha1 = h(`${d.user}:${d.realm}:${d.pass}`);
  if (d.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${d.nonce}:${d.cnonce}`);
  const ha2 = h(`${d.method}:${d.uri}`);
  return d.qop ? h(`${ha1}:${d.nonce}:${ncText(d.nc)}:${d.cnonce}:${d.qop}:${ha2}`) : h(`${ha1}:${d.nonce}:${ha2}`);
}

/** Parameters of one challenge (`Digest realm="r", nonce="n", qop="auth,auth-int"`), names in lower case. */
function challengeParams(challenge: string): Map<string, string> {
  // one pass over `name=value` pairs, so a comma or "=" inside a quoted value cannot split it
  const re = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/gi;
  const rest = challenge.replace(/^\S+\s*/, '');
  const params = new Map<string, string>();
  for (let m = re.exec(rest); m; m = re.exec(rest)) params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  return params;
}

export interface Authenticator {
  scheme: 'Basic' | 'Digest';
  /** the Authorization header for one request */
  header(method: string, uri: string): string;
}

/**
 * Answers the strongest challenge the server offers (Digest before Basic); undefined when none is
 * usable. `wwwAuthenticate` holds one challenge per line (see RtspMessage.headers).
 */
export function authenticatorFor(wwwAuthenticate: string, creds: Credentials, cnonce = randomBytes(8).toString('hex')): Authenticator | undefined {
  const challenges = wwwAuthenticate.split('\n').map((c) => c.trim());
  const digest = challenges.map((c) => (/^digest\s/i.test(c) ? digestAuthenticator(c, creds, cnonce) : undefined)).find(Boolean);
  if (digest) return digest;
  if (!challenges.some((c) => /^basic\b/i.test(c))) return undefined;
  const basic = `Basic ${Buffer.from(`${creds.user}:${creds.pass}`).toString('base64')}`;
  return { scheme: 'Basic', header: () => basic };
}

function digestAuthenticator(challenge: string, creds: Credentials, cnonce: string): Authenticator | undefined {
  const params = challengeParams(challenge);
  const nonce = params.get('nonce');
  const algorithm = ALGORITHMS.get((params.get('algorithm') ?? 'MD5').toLowerCase());
  if (nonce === undefined || !algorithm) return undefined;
  const realm = params.get('realm') ?? '';
  const qop = params.get('qop')?.split(',').some((q) => q.trim().toLowerCase() === 'auth') ? 'auth' : undefined;
  const opaque = params.get('opaque');
  let nc = 0;
  return {
    scheme: 'Digest',
    header: (method, uri) => {
      nc += 1;
      const response = digestResponse({ algorithm, user: creds.user, pass: creds.pass, realm, method, uri, nonce, qop, nc, cnonce });
      const fields = [`username="${creds.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`];
      if (params.has('algorithm')) fields.push(`algorithm=${algorithm}`);
      if (qop) fields.push(`qop=${qop}`, `nc=${ncText(nc)}`, `cnonce="${cnonce}"`);
      fields.push(`response="${response}"`);
      if (opaque !== undefined) fields.push(`opaque="${opaque}"`);
      return `Digest ${fields.join(', ')}`;
    },
  };
}
