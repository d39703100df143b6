import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A cheap liveness probe: one RTSP DESCRIBE over a plain socket (no ffmpeg, no media). While a
 * camera worker backs off it runs every few seconds, so recording resumes as soon as the DVR
 * answers again instead of after a 60 s backoff. Answers 401 with Basic or Digest credentials
 * from the URL's user info; CP PLUS URLs carry them in the path and need nothing more.
 */
export type ProbeResult =
  | { status: number; reason: string }
  /** no RTSP answer: connection error code (ECONNREFUSED…), 'timeout', or 'not_rtsp' for garbage */
  | { status: null; reason: string };

// a session description is a few hundred bytes; more is not an RTSP camera's answer
const MAX_BODY_BYTES = 16_384;

interface Target { tls: boolean; host: string; port: number; requestUrl: string; user: string; pass: string }

function parseTarget(url: string): Target {
  const u = new URL(url);
  const secure = u.protocol === 'rtsps:';
  // the request URL is the original text minus user info (keeps CP PLUS's trailing "?")
  const requestUrl = url.replace(/^(rtsps?:\/\/)[^/@]*@/i, '$1');
  return {
    tls: secure, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (secure ? 322 : 554), requestUrl,
    user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password),
  };
}

interface Answer { status: number; reason: string; headers: Map<string, string>; body: string }

function request(t: Target, cseq: number, authorization: string | undefined, timeoutMs: number): Promise<Answer | ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let data = '';
    const socket = t.tls
      ? tls.connect({ host: t.host, port: t.port, rejectUnauthorized: false })
      : net.connect({ host: t.host, port: t.port });
    const finish = (r: Answer | ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ status: null, reason: 'timeout' }), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ status: null, reason: e.code ?? e.message }));
    socket.on('close', () => finish({ status: null, reason: data ? 'not_rtsp' : 'closed' }));
    socket.on(t.tls ? 'secureConnect' : 'connect', () => {
      const lines = [`DESCRIBE ${t.requestUrl} RTSP/1.0`, `CSeq: ${cseq}`, 'Accept: application/sdp', 'User-Agent: vigil-probe'];
      if (authorization) lines.push(`Authorization: ${authorization}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: string) => {
      data += chunk;
      const m = /^RTSP\/1\.\d (\d{3}) ?([^\r\n]*)\r\n/.exec(data);
      if (!m) {
        if (data.length >= 16 && !data.startsWith('RTSP/')) finish({ status: null, reason: 'not_rtsp' });
        return;
      }
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        if (data.length > 16_384) finish({ status: null, reason: 'not_rtsp' });
        return;
      }
      const headers = new Map<string, string>();
      for (const line of data.slice(m[0].length, end).split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      // latin1: one character per byte, so Content-Length counts characters here
      const length = Math.min(Number(headers.get('content-length') ?? 0) || 0, MAX_BODY_BYTES);
      if (data.length < end + 4 + length) return;
      finish({ status: Number(m[1]), reason: m[2] ?? '', headers, body: data.slice(end + 4, end + 4 + length) });
    });
  });
}

const toResult = (a: Answer | ProbeResult): ProbeResult => (a.status === null ? a : { status: a.status, reason: a.reason });

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Authorization header answering a WWW-Authenticate challenge (RFC 2617 / RFC 2326 §D). */
export function authorizationFor(challenge: string, user: string, pass: string, uri: string, method = 'DESCRIBE'): string | undefined {
  if (/^basic/i.test(challenge)) return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  if (!/^digest/i.test(challenge)) return undefined;
  const param = (k: string): string | undefined => new RegExp(`${k}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const ha1 = md5(`${user}:${realm}:${pass}`);
  const ha2 = md5(`${method}:${uri}`);
  const qop = param('qop')?.split(/\s*,\s*/).includes('auth') ? 'auth' : undefined;
  const fields = [`username="${user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`];
  if (qop) {
    const cnonce = md5(String(Math.random())).slice(0, 16);
    fields.push(`qop=${qop}`, 'nc=00000001', `cnonce="${cnonce}"`, `response="${md5(`${ha1}:${nonce}:00000001:${cnonce}:${qop}:${ha2}`)}"`);
  } else {
    fields.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  const opaque = param('opaque');
  if (opaque) fields.push(`opaque="${opaque}"`);
  return `Digest ${fields.join(', ')}`;
}

export async function probeRtsp(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  return toResult(await describe(url, timeoutMs));
}

/** The answer to one DESCRIBE, with the session description when the source sent one (status 200). */
export type DescribeResult = ProbeResult & { sdp?: string };

export async function describeRtsp(url: string, timeoutMs = 2000): Promise<DescribeResult> {
  const a = await describe(url, timeoutMs);
  return 'body' in a && a.status === 200 ? { ...toResult(a), sdp: a.body } : toResult(a);
}

async function describe(url: string, timeoutMs: number): Promise<Answer | ProbeResult> {
  let t: Target;
  try {
    t = parseTarget(url);
  } catch {
    return { status: null, reason: 'bad_url' };
  }
  const first = await request(t, 1, undefined, timeoutMs);
  if (first.status !== 401 || !t.user || !('headers' in first)) return first;
  const auth = authorizationFor(first.headers.get('www-authenticate') ?? '', t.user, t.pass, t.requestUrl);
  return auth ? request(t, 2, auth, timeoutMs) : first;
}
