/**
 * Cameras and DVRs through the API, applied without a restart: DVR simulator (real RTSP) → API
 * (test, add a DVR, add its channels) → edge role (real ffmpeg) recording the new cameras; edits
 * are versioned and audited, passwords never leave the server, and API edits survive a restart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { logLines } from '../fixtures/log-lines.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping camera settings test: ffmpeg not found');

const FILE_PASSWORD = 'File-Secret-6';
const API_PASSWORD = 'Api-Secret-8';

describe.skipIf(!hasFfmpeg)('camera settings through the API', () => {
  const { log, lines } = logLines('info');
  let dir: string;
  let fileSim: DvrSim;
  let apiSim: DvrSim;
  let running: Running;
  let admin: AuthHeaders;
  let viewer: AuthHeaders;
  let hookPort = 0;
  const hooked: string[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooked.push(body);
      res.writeHead(204).end();
    });
  });

  const start = async () => {
    const loaded = resolveConfig({
      sites: [{ id: 'site', dvrs: [{ id: 'filedvr', host: '127.0.0.1', port: fileSim.port }], cameras: [{ id: 'cam_a', dvr: 'filedvr', channel: 1 }] }],
      storage: { data_dir: dir },
      recording: { segment_seconds: 2, retention_interval_seconds: 2 },
      detection: { enabled: false },
      api: { port: 0 },
      notifications: { webhooks: [{ id: 'hook', url: `http://127.0.0.1:${hookPort}/vigil` }] },
    }, 'settings-test', { VIGIL_DVR_FILEDVR_PASSWORD: FILE_PASSWORD });
    running = await startRoles(loaded, ['edge', 'api'], log);
    admin = await authHeaders(running.apiUrl!, running.ctx.repos, 'admin');
    viewer = await authHeaders(running.apiUrl!, running.ctx.repos, 'viewer');
  };
  const call = async (method: string, p: string, body?: unknown, headers: AuthHeaders = admin) => {
    const r = await fetch(`${running.apiUrl}${p}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const segments = async (id: string) => (await running.ctx.repos.segments.stats(id)).segments;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-camset-'));
    process.env.VIGIL_WEBHOOK_HOOK_SECRET = 'hook-signing-key';
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookPort = (hook.address() as AddressInfo).port;
    const sample = await ensureSample(undefined, log, { download: false });
    fileSim = await startDvrSim({ port: 0, channels: 1, password: FILE_PASSWORD, main: sample.main, sub: sample.sub, log });
    apiSim = await startDvrSim({ port: 0, channels: 4, password: API_PASSWORD, main: sample.main, sub: sample.sub, log });
    await start();
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await fileSim?.stop();
    await apiSim?.stop();
    hook.close();
    delete process.env.VIGIL_WEBHOOK_HOOK_SECRET;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tests a DVR: a wrong password, then its channels', async () => {
    const wrong = await call('POST', '/api/v1/dvrs/test', { host: '127.0.0.1', port: apiSim.port, username: 'admin', password: 'nope-123', channels: 4 });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({ reachable: false, error: 'auth_failed' });
    const ok = await call('POST', '/api/v1/dvrs/test', { host: '127.0.0.1', port: apiSim.port, username: 'admin', password: API_PASSWORD, channels: 5 });
    expect(ok.json.channels.map((c: { reachable: boolean }) => c.reachable)).toEqual([true, true, true, true, false]);
    expect(ok.json.channels[0]).toMatchObject({ codec: 'H264', width: 960, height: 1080 });
    expect(ok.text).not.toContain(API_PASSWORD);
    expect((await call('POST', '/api/v1/dvrs/test', { host: '127.0.0.1', port: apiSim.port, password: API_PASSWORD }, viewer)).status).toBe(403);
    expect((await call('POST', '/api/v1/dvrs/test', { host: 'bad host;rm', port: 70000 })).status).toBe(400);
  });

  it('adds a DVR and two of its channels, which start recording without a restart', async () => {
    const dvr = await call('POST', '/api/v1/dvrs', { id: 'apidvr', host: '127.0.0.1', port: apiSim.port, username: 'admin', password: API_PASSWORD });
    expect(dvr.status).toBe(201);
    expect(dvr.json).toMatchObject({ id: 'apidvr', site: 'site', has_password: true, version: 1, updated_by: expect.stringMatching(/^user:/) });
    expect(dvr.text).not.toContain(API_PASSWORD);
    expect((await call('POST', '/api/v1/dvrs', { id: 'apidvr', host: '127.0.0.1' })).status).toBe(409);
    const added = await call('POST', '/api/v1/dvrs/apidvr/cameras', { channels: [2, 3] });
    expect(added.status).toBe(201);
    expect(added.json.items.map((c: { id: string }) => c.id)).toEqual(['apidvr_ch2', 'apidvr_ch3']);
    const listed = await call('GET', '/api/v1/cameras', undefined, viewer);
    expect(listed.json.items.map((c: { id: string }) => c.id)).toEqual(['apidvr_ch2', 'apidvr_ch3', 'cam_a']);
    expect(listed.text).not.toContain(API_PASSWORD);
    await until('segments of both new cameras', 60_000, async () => ((await segments('apidvr_ch2')) >= 1 && (await segments('apidvr_ch3')) >= 1 ? true : undefined));
    // sealed in the database, never plain
    const { rows } = await running.ctx.store.query<{ d: string }>(`SELECT definition::text AS d FROM config_objects UNION ALL SELECT coalesce(definition::text, '') FROM config_versions`);
    expect(rows.map((r) => r.d).join('\n')).not.toContain(API_PASSWORD);
    expect(rows.map((r) => r.d).join('\n')).not.toContain(FILE_PASSWORD);
  }, 120_000);

  it('edits with optimistic concurrency: disabling stops the camera, a stale version is a 409', async () => {
    const cams = (await call('GET', '/api/v1/settings/cameras')).json.items as Array<{ id: string; version: number }>;
    const ch3 = cams.find((c) => c.id === 'apidvr_ch3')!;
    const off = await call('PATCH', '/api/v1/cameras/apidvr_ch3', { enabled: false, name: 'Loading bay', version: ch3.version });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ enabled: false, name: 'Loading bay', version: ch3.version + 1, status: 'stopped' });
    const stale = await call('PATCH', '/api/v1/cameras/apidvr_ch3', { enabled: true, version: ch3.version });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(/version/);
    expect((await call('GET', '/api/v1/cameras', undefined, viewer)).json.items.map((c: { id: string }) => c.id)).not.toContain('apidvr_ch3');
    await until('apidvr_ch3 stopped', 30_000, () => (running.ctx.cameraStatus.has('apidvr_ch3') ? undefined : true));
    expect((await call('PATCH', '/api/v1/cameras/apidvr_ch3', { retention_days: -1 })).status).toBe(400);
    expect((await call('PATCH', '/api/v1/cameras/apidvr_ch3', { retention_days: 0.1 })).status).toBe(400);
    expect((await call('PATCH', '/api/v1/cameras/nope', { enabled: true })).status).toBe(404);
  });

  it('refuses to remove a DVR its cameras use, and audits every change', async () => {
    const inUse = await call('DELETE', '/api/v1/dvrs/apidvr');
    expect(inUse.status).toBe(409);
    expect(inUse.json.message).toMatch(/camera apidvr_ch2/);
    const audit = await call('GET', '/api/v1/audit?limit=50');
    const actions = (audit.json.items as Array<{ action: string }>).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['POST /api/v1/dvrs', 'POST /api/v1/dvrs/:id/cameras', 'PATCH /api/v1/cameras/:id']));
  });

  it('changes retention and the storage budget, applied by the next sweep', async () => {
    const before = await call('GET', '/api/v1/settings/storage', undefined, viewer);
    expect(before.json).toMatchObject({ retention_days: 7, budget_bytes: null, evidence_days: 30, updated_by: 'system:config-file' });
    const body = { retention_days: 3, budget_bytes: 50_000_000_000, evidence_days: 10, version: before.json.version };
    expect((await call('PUT', '/api/v1/settings/storage', body, viewer)).status).toBe(403);
    expect((await call('PUT', '/api/v1/settings/storage', { ...body, retention_days: 0 })).status).toBe(400);
    // one typo must not have the next sweep delete the site's recordings
    const tiny = await call('PUT', '/api/v1/settings/storage', { ...body, retention_days: 0.01 });
    expect([tiny.status, tiny.json.message]).toEqual([400, expect.stringMatching(/retention_days.*at least 1 day/)]);
    const bytes = await call('PUT', '/api/v1/settings/storage', { ...body, budget_bytes: 50_000 });
    expect([bytes.status, bytes.json.message]).toEqual([400, expect.stringMatching(/budget_bytes.*at least 1 GB/)]);
    // versions are 32-bit in the database: a larger one was never read, and is refused as such
    expect((await call('PUT', '/api/v1/settings/storage', { ...body, version: 2 ** 31 })).status).toBe(400);
    const put = await call('PUT', '/api/v1/settings/storage', body);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ retention_days: 3, budget_bytes: 50_000_000_000, version: before.json.version + 1 });
    expect((await call('PUT', '/api/v1/settings/storage', body)).status).toBe(409);
    // cameras without a retention of their own follow the site's
    expect(running.ctx.cameras.get('cam_a')?.retentionDays).toBe(3);
    await until('a sweep with the new budget', 30_000, async () => ((await call('GET', '/api/v1/system/storage')).json?.configured_budget_bytes === 50_000_000_000 ? true : undefined));
  }, 60_000);

  it('adds, edits and removes notification recipients', async () => {
    const definition = { name: 'night_guard', channels: ['email'], email: 'guard@example.com', min_severity: 'critical' };
    const created = await call('PUT', '/api/v1/notifications/recipients/night_guard', { definition, version: 0 });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ ...definition, admin: false, cameras: [], version: 1 });
    expect((await call('PUT', '/api/v1/notifications/recipients/night_guard', { definition, version: 0 })).status).toBe(409);
    expect((await call('PUT', '/api/v1/notifications/recipients/night_guard', { definition: { ...definition, channels: ['sms'] } })).json.message).toMatch(/phone/);
    expect((await call('PUT', '/api/v1/notifications/recipients/other', { definition })).status).toBe(400);
    expect((await call('PUT', '/api/v1/notifications/recipients/night_guard', { definition }, viewer)).status).toBe(403);
    const tested = await call('POST', '/api/v1/notifications/test', { recipient: 'night_guard' });
    expect(tested.json.results).toEqual([{ channel: 'email', target: 'guard@example.com', ok: false, error: expect.stringMatching(/email channel is not configured/) }]);
    await call('PUT', '/api/v1/notifications/recipients/hooked', { definition: { name: 'hooked', channels: ['webhook'], webhooks: ['hook'] } });
    const sent = await call('POST', '/api/v1/notifications/test', { recipient: 'hooked' });
    expect(sent.json.results).toEqual([{ channel: 'webhook', target: 'hook', ok: true, error: null }]);
    expect(hooked.at(-1)).toMatch(/Test notification from Vigil, sent by user:/);
    expect((await call('POST', '/api/v1/notifications/test', { recipient: 'nobody' })).status).toBe(404);
    expect((await call('DELETE', '/api/v1/notifications/recipients/hooked')).status).toBe(204);
    const listed = await call('GET', '/api/v1/notifications/recipients');
    expect(listed.json.items.map((r: { name: string }) => r.name)).toEqual(['night_guard']);
    expect((await call('DELETE', '/api/v1/notifications/recipients/night_guard?version=1')).status).toBe(204);
    expect((await call('GET', '/api/v1/notifications/recipients')).json.items).toEqual([]);
  });

  it('keeps API edits across a restart with an unchanged config file', async () => {
    await running.stop();
    await start();
    const cams = (await call('GET', '/api/v1/settings/cameras')).json.items as Array<{ id: string; enabled: boolean; name: string }>;
    expect(cams.map((c) => c.id)).toEqual(['apidvr_ch2', 'apidvr_ch3', 'cam_a']);
    expect(cams.find((c) => c.id === 'apidvr_ch3')).toMatchObject({ enabled: false, name: 'Loading bay' });
    expect((await call('GET', '/api/v1/settings/storage')).json).toMatchObject({ retention_days: 3, budget_bytes: 50_000_000_000 });
    const before = await segments('apidvr_ch2');
    await until('apidvr_ch2 recording again after the restart', 60_000, async () => ((await segments('apidvr_ch2')) > before ? true : undefined));
  }, 120_000);

  it('removes a camera, then its DVR', async () => {
    for (const id of ['apidvr_ch2', 'apidvr_ch3']) expect((await call('DELETE', `/api/v1/cameras/${id}`)).status).toBe(204);
    expect((await call('DELETE', '/api/v1/dvrs/apidvr')).status).toBe(204);
    expect((await call('GET', '/api/v1/dvrs')).json.items.map((d: { id: string }) => d.id)).toEqual(['filedvr']);
    await until('the removed cameras stopped', 30_000, () => (running.ctx.cameraStatus.has('apidvr_ch2') ? undefined : true));
  }, 60_000);

  it('never logs a password', () => {
    const all = lines.join('\n');
    expect(all).not.toContain(API_PASSWORD);
    expect(all).not.toContain(FILE_PASSWORD);
  });
});
