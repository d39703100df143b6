import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createUser, signInOverHttp, TestAuth } from '../../../test/fixtures/api-auth.ts';
import WebSocket from 'ws';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { buildApi } from '../server.ts';
import type { AlertChange, AlertChangeSource } from './alert-feed.ts';
import type { AlertSocketOptions } from './alerts.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

const changes: AlertChange[] = [1, 2, 3].map((seq) => ({ seq, change: 'new', alert: { id: seq, camera_id: 'cam_001', title: `alert ${seq}` } }));
const source: AlertChangeSource = {
  changesSince: async (seq, limit) => changes.filter((c) => c.seq > seq).slice(0, limit),
  latestChangeSeq: async () => changes.at(-1)?.seq ?? 0,
};

let app: FastifyInstance | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await app?.close();
  app = undefined;
});

const auth = await TestAuth.open();
afterAll(() => auth.close());

async function serve(over: Partial<AlertSocketOptions> = {}): Promise<string> {
  app = buildApi({
    auth: auth.stack, cameras: new LiveCameras(), repos: {} as Repositories, objects: {} as Objects, store: {} as Store, health: new Health(),
    status: () => undefined, version: 'test', startedAt: new Date(), log: rootLogger,
    alertSocket: { changes: source, maxClients: 10, allowedOrigins: ['https://console.example'], maxBufferedBytes: 1 << 20, heartbeatMs: 30_000, pollMs: 50, ...over },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  bearer = { authorization: (await signInOverHttp(`http://127.0.0.1:${port}`, await viewer)).authorization };
  return `ws://127.0.0.1:${port}`;
}

const viewer = createUser(auth.repos, 'viewer');
/** a signed-in viewer's header, sent by connect() unless a test says otherwise */
let bearer: Record<string, string> = {};

interface Outcome { frames: Record<string, unknown>[]; status?: number; body?: string; close?: { code: number; reason: string } }

/** Connects and collects what happens until `done` holds (or the socket is refused/closed). */
function connect(url: string, opts: WebSocket.ClientOptions = {}, done: (o: Outcome) => boolean = () => false): Promise<Outcome> & { ws: WebSocket } {
  const ws = new WebSocket(url, { ...opts, headers: { ...bearer, ...opts.headers } });
  sockets.push(ws);
  const o: Outcome = { frames: [] };
  const p = new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no outcome from ${url} in 10 s: ${JSON.stringify(o)}`)), 10_000);
    const finish = () => { clearTimeout(timer); resolve(o); };
    ws.on('unexpected-response', (_req, res) => {
      o.status = res.statusCode;
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => { o.body = body; finish(); });
    });
    ws.on('message', (d) => { o.frames.push(JSON.parse(d.toString()) as Record<string, unknown>); if (done(o)) finish(); });
    ws.on('close', (code, reason) => { o.close = { code, reason: reason.toString() }; finish(); });
    ws.on('error', () => {});
  });
  return Object.assign(p, { ws });
}

describe('/ws/alerts', () => {
  it('reads announced changes at once, not at its next poll', async () => {
    let wake: (() => void) | undefined;
    let following = false;
    const url = await serve({
      pollMs: 3_600_000,
      announcements: async (w) => {
        wake = w;
        following = true;
        return async () => void (following = false);
      },
    });
    const o = connect(`${url}/ws/alerts`, {}, (x) => x.frames.some((f) => f.type === 'alert'));
    await new Promise<void>((resolve) => o.ws.once('message', () => resolve()));
    changes.push({ seq: 4, change: 'new', alert: { id: 4, camera_id: 'cam_001', title: 'alert 4' } });
    try {
      expect(following).toBe(true);
      wake!();
      expect((await o).frames).toEqual([{ type: 'hello', seq: 3 }, { type: 'alert', seq: 4, change: 'new', alert: { id: 4, camera_id: 'cam_001', title: 'alert 4' } }]);
    } finally {
      changes.pop();
    }
    await app!.close();
    app = undefined;
    expect(following).toBe(false);
  });

  it('hello with the latest seq, then the changes after since', async () => {
    const url = await serve();
    const o = await connect(`${url}/ws/alerts?since=1`, {}, (x) => x.frames.length === 3);
    expect(o.frames).toEqual([
      { type: 'hello', seq: 3 },
      { type: 'alert', seq: 2, change: 'new', alert: { id: 2, camera_id: 'cam_001', title: 'alert 2' } },
      { type: 'alert', seq: 3, change: 'new', alert: { id: 3, camera_id: 'cam_001', title: 'alert 3' } },
    ]);
  });

  it.each([
    ['since=abc', 400, /query parameter 'since'/],
    ['since=-1', 400, /query parameter 'since'/],
    ['since=99', 400, /since 99 is ahead of the latest alert change \(3\): reconnect without since/],
    ['sinse=1', 400, /unknown query parameter 'sinse'/],
  ])('refuses %s before the upgrade with a reason', async (query, status, message) => {
    const url = await serve();
    const o = await connect(`${url}/ws/alerts?${query}`);
    expect(o.status).toBe(status);
    expect(JSON.parse(o.body ?? '{}')).toMatchObject({ error: 'bad_request', message: expect.stringMatching(message) });
  });

  it('accepts its own pages and listed origins, refuses other browser origins', async () => {
    const url = await serve();
    const host = url.replace('ws://', '');
    const own = await connect(`${url}/ws/alerts`, { origin: `http://${host}` }, (x) => x.frames.length > 0);
    expect(own.frames[0]).toMatchObject({ type: 'hello' });
    const listed = await connect(`${url}/ws/alerts`, { origin: 'https://console.example' }, (x) => x.frames.length > 0);
    expect(listed.frames[0]).toMatchObject({ type: 'hello' });
    const evil = await connect(`${url}/ws/alerts`, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body ?? '{}').message).toContain('origin https://evil.example may not open /ws/alerts');
  });

  it('refuses a page on a rebinding domain although its Origin matches the Host it sends', async () => {
    const url = await serve();
    const port = new URL(url).port;
    const rebound = await connect(`${url}/ws/alerts`, { headers: { host: `rebind.evil.example:${port}` }, origin: `http://rebind.evil.example:${port}` });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body ?? '{}').message).toContain("does not answer to the host name 'rebind.evil.example'");
    // by name when configured: localhost is ours
    const named = await connect(`${url}/ws/alerts`, { headers: { host: `localhost:${port}` }, origin: `http://localhost:${port}` }, (x) => x.frames.length > 0);
    expect(named.frames[0]).toMatchObject({ type: 'hello' });
  });

  it('refuses clients beyond max_clients with 503', async () => {
    const url = await serve({ maxClients: 1 });
    await connect(`${url}/ws/alerts`, {}, (x) => x.frames.length > 0);
    const second = await connect(`${url}/ws/alerts`);
    expect(second.status).toBe(503);
    expect(second.body).toContain('1 WebSocket clients already connected');
  });

  it('plain HTTP on the path answers 426; another WebSocket path 404', async () => {
    const url = await serve();
    const r = await (await auth.as(app!, 'viewer')).inject('/ws/alerts');
    expect(r.statusCode).toBe(426);
    const other = await connect(`${url}/ws/nothing`);
    expect(other.status).toBe(404);
    const doc = (await app!.inject('/api/v1/openapi.json')).json();
    expect(doc.paths['/ws/alerts'].get.parameters[0].name).toBe('since');
  });

  it('drops a client that stops answering pings', async () => {
    const url = await serve({ heartbeatMs: 100 });
    const o = await connect(`${url}/ws/alerts`, { autoPong: false });
    expect(o.close?.code).toBe(1006); // terminated without a close frame
    expect(o.frames[0]).toMatchObject({ type: 'hello' });
  });

  it('closing the server tells clients to resume from their last seq', async () => {
    const url = await serve();
    const pending = connect(`${url}/ws/alerts?since=0`);
    let frames = 0;
    await new Promise<void>((r) => pending.ws.on('message', () => { if (++frames === 4) r(); })); // hello + changes 1..3
    await app!.close();
    app = undefined;
    const o = await pending;
    expect(o.close).toEqual({ code: 1001, reason: 'server shutting down; reconnect with since=3' });
  });
});
