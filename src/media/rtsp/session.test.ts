/**
 * RtspSession against a scripted camera on a real local socket: the handshake, Digest on every
 * request, keep-alives, TEARDOWN, and each way a session can fail.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { formatResponse, RtspRequestReader, type RtspRequest } from '../../dvr-sim/rtsp-message.ts';
import type { Failure } from '../failure.ts';
import { digestResponse } from './auth.ts';
import { RtspSession, type RtspSessionOptions } from './session.ts';
import type { H264TrackInfo } from './sdp.ts';

const SPS = 'Z2QAH6zZQFAFuwFqAgICgAAAAwCAAAAeB4wYyw==';
const PPS = 'aOvjyyLA';
const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'a=control:*',
  'm=audio 0 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=control:trackID=1',
  'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', `a=fmtp:96 packetization-mode=1;profile-level-id=64001F;sprop-parameter-sets=${SPS},${PPS}`, 'a=control:trackID=0', ''].join('\r\n');

type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'silence';
interface Camera { port: number; requests: RtspRequest[] }

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
/** listens on a free port; every connection is ended after the tests */
async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s) => sockets.push(s.on('error', () => {})));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A camera answering each request with `reply`; `afterPlay` runs once PLAY is answered. */
async function camera(reply: (r: RtspRequest) => Reply, afterPlay?: (s: net.Socket) => void): Promise<Camera> {
  const cam: Camera = { port: 0, requests: [] };
  const server = net.createServer((socket) => {
    const reader = new RtspRequestReader();
    socket.on('data', (chunk) => {
      for (const request of reader.push(chunk)) {
        cam.requests.push(request);
        const r = reply(request);
        if (r === 'silence') continue;
        socket.write(formatResponse(r.status, { CSeq: request.headers.get('cseq'), ...r.headers }, r.body));
        if (request.method === 'PLAY' && r.status === 200) afterPlay?.(socket);
      }
    });
  });
  cam.port = await listen(server);
  return cam;
}

/** The usual answers of a camera that plays on interleaved channels 4-5. */
function playing(r: RtspRequest, publicMethods = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER'): Reply {
  switch (r.method) {
    case 'OPTIONS': return { status: 200, headers: { Public: publicMethods } };
    case 'DESCRIBE': return { status: 200, headers: { 'Content-Base': 'rtsp://127.0.0.1/live/', 'Content-Type': 'application/sdp' }, body: SDP };
    case 'SETUP': return { status: 200, headers: { Session: 'S1;timeout=2', Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5' } };
    default: return { status: 200, headers: { Session: 'S1' } };
  }
}

const frame = (channel: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([0x24, channel, payload.length >> 8, payload.length & 0xff]), payload]);
const rtpPacket = (seq: number): Buffer => Buffer.concat([Buffer.from([0x80, 96, seq >> 8, seq & 0xff, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('65888000', 'hex')]);

interface Run { session: RtspSession; tracks: H264TrackInfo[]; packets: Buffer[]; closed: Promise<Failure | null> }

function run(opts: RtspSessionOptions): Run {
  const session = new RtspSession({ timeoutMs: 2000, ...opts });
  const tracks: H264TrackInfo[] = [];
  const packets: Buffer[] = [];
  session.on('track', (t) => tracks.push(t));
  session.on('rtp', (p) => packets.push(Buffer.from(p)));
  const closed = new Promise<Failure | null>((resolve) => session.once('close', resolve));
  session.start();
  return { session, tracks, packets, closed };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const PASSWORD = 'Cam-Secret-77';

/** Checks a Digest Authorization (qop=auth) against the password; undefined when it does not match. */
function digestOk(r: RtspRequest): boolean {
  const auth = r.headers.get('authorization') ?? '';
  const p = (k: string): string => new RegExp(`${k}="?([^",]*)"?`).exec(auth)?.[1] ?? '';
  const expected = digestResponse({ algorithm: 'MD5', user: 'admin', pass: PASSWORD, realm: 'cam', method: r.method, uri: r.url, nonce: 'N1', qop: 'auth', nc: parseInt(p('nc'), 16), cnonce: p('cnonce') });
  return auth.startsWith('Digest ') && p('uri') === r.url && p('response') === expected;
}

describe('RtspSession', () => {
  it('plays the H.264 track with Digest on every request, keeps the session alive and tears it down', async () => {
    const cam = await camera(
      (r) => (digestOk(r) ? playing(r) : { status: 401, headers: { 'WWW-Authenticate': 'Digest realm="cam", nonce="N1", qop="auth"' } }),
      (s) => {
        for (let seq = 0; seq < 20; seq++) s.write(Buffer.concat([frame(4, rtpPacket(seq)), frame(5, Buffer.from('80c80006', 'hex'))]));
      },
    );
    const r = run({ url: `rtsp://admin:${PASSWORD}@127.0.0.1:${cam.port}/live` });
    await until('20 packets', () => r.packets.length === 20);
    expect(r.tracks).toEqual([{ payloadType: 96, clockRate: 90_000, profileLevelId: '64001F', sps: Buffer.from(SPS, 'base64'), pps: Buffer.from(PPS, 'base64') }]);
    expect(r.packets.map((p) => p.readUInt16BE(2))).toEqual([...Array(20).keys()]);
    // Session timeout=2: a keep-alive within a second, with the method the server listed
    await until('a keep-alive', () => cam.requests.some((q) => q.method === 'GET_PARAMETER'), 5000);
    r.session.close();
    expect(await r.closed).toBeNull();
    await until('TEARDOWN', () => cam.requests.some((q) => q.method === 'TEARDOWN'));

    const seen = cam.requests.filter((q) => digestOk(q)).map((q) => [q.method, q.url, q.headers.get('session')]);
    expect(seen).toEqual([
      ['OPTIONS', `rtsp://127.0.0.1:${cam.port}/live`, undefined],
      ['DESCRIBE', `rtsp://127.0.0.1:${cam.port}/live`, undefined],
      ['SETUP', 'rtsp://127.0.0.1/live/trackID=0', undefined],
      ['PLAY', 'rtsp://127.0.0.1/live/', 'S1'],
      ...seen.slice(4, -1).map(() => ['GET_PARAMETER', 'rtsp://127.0.0.1/live/', 'S1']),
      ['TEARDOWN', 'rtsp://127.0.0.1/live/', 'S1'],
    ]);
    expect(cam.requests.filter((q) => !digestOk(q)).map((q) => q.method)).toEqual(['OPTIONS']);
    expect(cam.requests.every((q) => !q.url.includes(PASSWORD))).toBe(true);
    expect(cam.requests.find((q) => q.method === 'SETUP')!.headers.get('transport')).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
  });

  it('keeps alive with OPTIONS when the server does not list GET_PARAMETER', async () => {
    const cam = await camera((r) => playing(r, 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN'), (s) => {
      const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write(frame(4, rtpPacket(1)))), 100);
    });
    const r = run({ url: `rtsp://127.0.0.1:${cam.port}/live` });
    await until('a keep-alive', () => cam.requests.filter((q) => q.method === 'OPTIONS').length >= 2, 5000);
    expect(cam.requests.filter((q) => q.method === 'OPTIONS').at(-1)!.headers.get('session')).toBe('S1');
    expect(cam.requests.some((q) => q.method === 'GET_PARAMETER')).toBe(false);
    r.session.close();
    expect(await r.closed).toBeNull();
  });

  it('classifies refusals: 401 after the credentials, 404, and an SDP without H.264', async () => {
    const wrong = await camera(() => ({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="cam"' } }));
    const auth = run({ url: `rtsp://admin:nope@127.0.0.1:${wrong.port}/live` });
    expect(await auth.closed).toMatchObject({ kind: 'auth' });
    // the credentials were sent once, then the session gave up
    expect(wrong.requests.filter((q) => q.headers.has('authorization')).length).toBe(1);

    const missing = await camera((r) => (r.method === 'OPTIONS' ? playing(r) : { status: 404 }));
    expect(await run({ url: `rtsp://127.0.0.1:${missing.port}/nope` }).closed).toMatchObject({ kind: 'not_found' });

    const audioOnly = await camera((r) => (r.method === 'DESCRIBE' ? { status: 200, body: SDP.replace(/m=video[\s\S]*/, '') } : playing(r)));
    expect(await run({ url: `rtsp://127.0.0.1:${audioOnly.port}/live` }).closed).toEqual({ kind: 'corrupt', cause: 'corrupt or unsupported stream (no H.264 video track in the session description)' });
  });

  it('classifies network failures: refused and a silent server', async () => {
    const gone = await camera(() => 'silence');
    const port = gone.port;
    await new Promise((r) => servers.pop()!.close(r));
    expect(await run({ url: `rtsp://127.0.0.1:${port}/live` }).closed).toEqual({ kind: 'unreachable', cause: 'DVR unreachable (connection refused)' });

    const silent = await camera(() => 'silence');
    expect(await run({ url: `rtsp://127.0.0.1:${silent.port}/live`, timeoutMs: 300 }).closed).toEqual({ kind: 'unreachable', cause: 'DVR unreachable or not responding (timed out)' });
  });

  it('ends with a clear error on garbage, an oversized frame or head, and never buffers past its bounds', async () => {
    const garbage = net.createServer((s) => s.end(Buffer.alloc(64, 7)));
    const http = net.createServer((s) => s.on('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const endless = net.createServer((s) => s.on('data', () => s.write(`RTSP/1.0 200 OK\r\nX: ${'a'.repeat(20_000)}`)));
    const notRtsp = { kind: 'corrupt', cause: 'corrupt or unsupported stream (the port does not speak RTSP)' };
    for (const server of [garbage, http, endless]) expect(await run({ url: `rtsp://127.0.0.1:${await listen(server)}/live` }).closed).toEqual(notRtsp);

    const huge = await camera(playing, (s) => s.write(Buffer.from([0x24, 4, 0xff, 0xff])));
    const r = run({ url: `rtsp://127.0.0.1:${huge.port}/live` });
    expect(await r.closed).toEqual({ kind: 'corrupt', cause: 'corrupt or unsupported stream (interleaved frame of 65535 bytes exceeds 32768)' });
    expect(r.tracks).toHaveLength(1);
  });

  it('reports a stall when RTP stops after PLAY, and the end when the server hangs up', async () => {
    const quiet = await camera(playing, (s) => s.write(frame(4, rtpPacket(1))));
    const stalled = run({ url: `rtsp://127.0.0.1:${quiet.port}/live`, stallMs: 1000 });
    expect(await stalled.closed).toEqual({ kind: 'stalled', cause: 'stream stalled: no frame or segment for 1 s' });
    expect(stalled.packets).toHaveLength(1);

    const hangup = await camera(playing, (s) => s.end(frame(4, rtpPacket(1))));
    const ended = run({ url: `rtsp://127.0.0.1:${hangup.port}/live` });
    expect(await ended.closed).toEqual({ kind: 'ended', cause: 'stream ended: the DVR closed the connection' });
    expect(ended.packets).toHaveLength(1);
  });

  it('refuses a URL that is not rtsp:// without repeating it', async () => {
    const failure = await run({ url: `http://admin:${PASSWORD}@127.0.0.1/` }).closed;
    expect(failure?.kind).toBe('corrupt');
    expect(JSON.stringify(failure)).not.toContain(PASSWORD);
  });
});
