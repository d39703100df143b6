import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { alertService } from '../../src/alerts/service.ts';
import { alertFeedFrame } from '../../src/api/contract/alerts.ts';
import { operator, sampleTrigger } from '../../src/alerts/test-fixtures.ts';
import { resolveConfig } from '../../src/config/load.ts';
import type { CameraStatus } from '../../src/core/camera-status.ts';
import { createLogger } from '../../src/core/log.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext, type RoleContext } from '../../src/roles/context.ts';
import { AlertFeedClient } from '../fixtures/alert-feed.ts';
import { authHeaders, createUser, signInOverHttp, type AuthHeaders } from '../fixtures/api-auth.ts';
import { until } from '../fixtures/until.ts';

const CAMERA = 'cam_a';
const streaming: CameraStatus = {
  state: 'streaming', connected: true, lastFrameAt: null, lastSegmentAt: null, reconnects: 0, currentBackoffMs: 0, lastError: null, sourceFps: 25, analysisFps: 1, bitrateKbps: 900,
};

/** Status and JSON body of a refused WebSocket upgrade. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.terminate(); reject(new Error(`${url} was accepted`)); });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as { error?: string; message?: string } }));
    });
  });
}

describe('/ws/alerts on the real API and PGlite', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ws-alerts-'));
  let ctx: RoleContext;
  let api: { url: string; stop(): Promise<void> } | undefined;
  const clients: AlertFeedClient[] = [];
  let n = 0;
  let viewer: AuthHeaders;

  /** one new alert through the repository, as the analytics role writes it */
  const newAlert = async () => {
    const startedAt = new Date(Date.UTC(2025, 0, 20, 23, 0, 0) + ++n * 1000);
    const r = await ctx.repos.alerts.recordTrigger(sampleTrigger({ key: `${CAMERA}:rule:loiter:${n}:${startedAt.getTime()}`, startedAt, at: new Date(startedAt.getTime() + 300_000), title: `alert ${n}` }));
    return r.alertId!;
  };
  const connect = async (since?: number) => {
    const c = await AlertFeedClient.connect(api!.url, viewer, since);
    clients.push(c);
    return c;
  };
  const service = () => alertService({ alerts: ctx.repos.alerts, events: ctx.repos.events, objects: ctx.objects, log: ctx.log });
  const seqsAfter = async (seq: number) => (await ctx.repos.alerts.changesSince(seq, 1000)).map((c) => c.seq);
  const alertSeqs = (c: AlertFeedClient) => c.alerts().map((a) => a.seq);

  beforeAll(async () => {
    const loaded = resolveConfig({
      storage: { data_dir: root }, api: { port: 0 }, live: { webrtc: false },
      sites: [{ id: 'main', cameras: [{ id: CAMERA, url: 'rtsp://127.0.0.1:1/none' }] }],
    }, 'ws-alerts-test', {}, root);
    ctx = await openContext(loaded, createLogger('silent'));
    await ctx.repos.cameras.upsert({ id: CAMERA, name: 'Plaza', siteId: 'main', dvrChannel: null, rtspUrl: 'rtsp://127.0.0.1:1/none', location: null, status: 'starting' });
    api = await startApiRole(ctx);
    viewer = await authHeaders(api.url, ctx.repos, 'viewer');
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.terminate();
    await api?.stop();
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('alert changes written through the repository arrive in seq order, with camera status changes', async () => {
    const client = await connect();
    const hello = client.received[0]!.frame;
    expect(hello).toEqual({ type: 'hello', seq: await ctx.repos.alerts.latestChangeSeq() });

    ctx.cameraStatus.set(CAMERA, streaming);
    const first = await newAlert();
    await newAlert();
    await service().ack(operator('guard'), first, 'on my way');
    await until('3 alert frames', 10_000, () => (client.alerts().length >= 3 ? true : undefined), 20);

    expect(client.alerts().map((a) => [a.change, a.alert.id])).toEqual([['new', first], ['new', first + 1], ['ack', first]]);
    expect(client.alerts()[2]!.alert).toMatchObject({ id: first, camera_id: CAMERA, title: 'alert 1', status: 'ack' });
    expect(alertSeqs(client)).toEqual(await seqsAfter(hello.type === 'hello' ? hello.seq : -1));
    await until('the camera status', 10_000, () => client.received.find((r) => r.frame.type === 'camera_status'), 20);
    expect(client.received.find((r) => r.frame.type === 'camera_status')!.frame).toEqual({
      type: 'camera_status', camera_id: CAMERA,
      status: { state: 'streaming', connected: true, source_fps: 25, analysis_fps: 1, bitrate_kbps: 900, reconnects: 0, last_frame_at: null, last_error: null },
    });
    // the dashboard parses every frame with the contract's schema
    for (const { frame } of client.received) expect(alertFeedFrame.safeParse(frame).error).toBeUndefined();
  });

  it('after a dropped connection, reconnecting with since delivers exactly the changes missed, then live ones', async () => {
    const client = await connect();
    await newAlert();
    await until('the first alert', 10_000, () => (client.alerts().length === 1 ? true : undefined), 20);
    const lastSeen = client.lastSeq();
    client.terminate(); // the network drops: no close handshake

    const id = await newAlert();
    await newAlert();
    await service().resolve(operator('guard'), id, 'nobody there');
    const missed = await seqsAfter(lastSeen);
    expect(missed).toHaveLength(3);

    const again = await connect(lastSeen);
    await until('the missed changes', 10_000, () => (again.alerts().length >= 3 ? true : undefined), 20);
    await newAlert();
    await until('a live change', 10_000, () => (again.alerts().length === 4 ? true : undefined), 20);
    expect(alertSeqs(again)).toEqual([...missed, (await seqsAfter(missed.at(-1)!))[0]]);
    expect(again.alerts().map((a) => a.change)).toEqual(['new', 'new', 'resolved', 'new']);
  });

  it('after the server closes every socket (API restart), clients resume from their last seq and lose nothing', async () => {
    const client = await connect();
    await newAlert();
    await until('an alert', 10_000, () => (client.alerts().length === 1 ? true : undefined), 20);
    const lastSeen = client.lastSeq();
    await api!.stop(); // server side: every socket is closed
    api = undefined;
    await newAlert();
    await newAlert();
    const missed = await seqsAfter(lastSeen);
    api = await startApiRole(ctx);

    const again = await connect(lastSeen);
    await until('the missed changes', 10_000, () => (again.alerts().length >= missed.length ? true : undefined), 20);
    expect(alertSeqs(again)).toEqual(missed);
    expect(alertSeqs(client)).toEqual([lastSeen]);
  });

  it('a bad or future since is refused before the upgrade with the reason', async () => {
    const ws = api!.url.replace(/^http/, 'ws');
    const bad = await refusal(`${ws}/ws/alerts?since=yesterday`, viewer);
    expect(bad).toEqual({ status: 400, body: { error: 'bad_request', message: expect.stringContaining("query parameter 'since'") } });
    const latest = await ctx.repos.alerts.latestChangeSeq();
    const ahead = await refusal(`${ws}/ws/alerts?since=${latest + 100}`, viewer);
    expect(ahead).toEqual({ status: 400, body: { error: 'bad_request', message: `since ${latest + 100} is ahead of the latest alert change (${latest}): reconnect without since` } });
  });

  it('authenticates before any message: no or a bad credential is refused before the upgrade', async () => {
    const ws = api!.url.replace(/^http/, 'ws');
    expect(await refusal(`${ws}/ws/alerts`)).toEqual({ status: 401, body: { error: 'unauthenticated', message: expect.stringMatching(/sign in first/) } });
    expect((await refusal(`${ws}/ws/alerts`, { authorization: 'Bearer not.a.token' })).status).toBe(401);
    expect((await refusal(`${ws}/ws/alerts`, { 'x-api-key': 'vgl_000000000000_nope' })).status).toBe(401);
  });

  it('a viewer of other cameras gets no alert or status of this one', async () => {
    const elsewhere = await AlertFeedClient.connect(api!.url, await authHeaders(api!.url, ctx.repos, 'viewer', { cameras: ['cam_gate'] }));
    clients.push(elsewhere);
    const everywhere = await connect();
    const id = await newAlert();
    ctx.cameraStatus.set(CAMERA, { ...streaming, reconnects: 7 });
    await until('the alert on the unscoped socket', 10_000, () => (everywhere.alerts().some((a) => a.alert.id === id) ? true : undefined), 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(elsewhere.alerts()).toEqual([]);
    expect(elsewhere.received.filter((r) => r.frame.type === 'camera_status')).toEqual([]);
  });

  it('closes the socket when its session is revoked (4001), so a signed-out operator stops receiving alerts', async () => {
    const credentials = await createUser(ctx.repos, 'viewer');
    const headers = await signInOverHttp(api!.url, credentials);
    const ws = new WebSocket(`${api!.url.replace(/^http/, 'ws')}/ws/alerts`, { headers: { authorization: headers.authorization } });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const user = await ctx.repos.authUsers.byName(credentials.username);
    await ctx.repos.sessions.revokeAllOfUser(user!.id, 'test: signed out everywhere', new Date());
    const outcome = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(r, 30_000))]);
    expect(outcome).toEqual({ code: 4001, reason: expect.stringMatching(/credentials no longer accepted/) });
  });
});
