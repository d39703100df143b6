/**
 * System alerts in the one-box shape against the DVR simulator as a separate process: the DVR
 * killed → one "DVR down" alert (not one per camera) on /ws/alerts, by email, and in health; a
 * lone camera that never connects → its own video-loss alert; the DVR back → its alert resolved
 * by the system and health healthy again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { AlertFeedClient } from '../fixtures/alert-feed.ts';
import { freePort } from '../fixtures/free-port.ts';
import { startSmtpServer, type SmtpFixture } from '../fixtures/smtp.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping system alerts test: ffmpeg not found');

const log = createLogger('silent');
const GUARD = 'guard@site.test';

describe.skipIf(!hasFfmpeg)('system alerts (one box, DVR simulator process)', () => {
  let dir = '';
  let dvr: DvrSimProcess;
  let smtp: SmtpFixture;
  let running: Running;
  let api = '';
  let viewer: AuthHeaders;
  let feed: AlertFeedClient;

  const health = async () => (await (await fetch(`${api}/api/v1/system/health`, { headers: viewer })).json()) as { status: string; components: Record<string, { state: string; detail?: string }> };
  const systemAlerts = async () => ((await (await fetch(`${api}/api/v1/alerts?limit=100`, { headers: viewer })).json()) as { items: Array<Record<string, unknown>> }).items.filter((a) => a.rule_type === 'system');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-system-alerts-'));
    dvr = await spawnDvrSim({ channels: 2 });
    smtp = await startSmtpServer();
    const loaded = resolveConfig({
      sites: [{
        id: 'site', dvrs: [{ id: 'dvr1', host: '127.0.0.1', port: dvr.port, password: '' }],
        cameras: [
          { id: 'cam_gate', name: 'Gate', dvr: 'dvr1', channel: 1 },
          { id: 'cam_yard', name: 'Yard', dvr: 'dvr1', channel: 2 },
          // nothing listens there: this camera never has video
          { id: 'cam_office', name: 'Office', url: `rtsp://127.0.0.1:${await freePort()}/live` },
        ],
      }],
      storage: { data_dir: dir },
      detection: { enabled: false },
      faces: { enabled: false },
      api: { port: 0 },
      stream: { offline_alert_seconds: 4, backoff_max_ms: 2000, stall_seconds: 5, rtsp_timeout_seconds: 2 },
      system_alerts: { check_seconds: 0.5 },
      notifications: {
        email: { host: '127.0.0.1', port: smtp.port, from: 'Vigil <vigil@site.test>', timeout_seconds: 2 },
        recipients: [{ name: 'guard', channels: ['email'], email: GUARD, min_severity: 'high' }],
      },
    }, 'system-alerts');
    running = await startRoles(loaded, ['edge', 'analytics', 'notify', 'api'], log);
    api = running.apiUrl!;
    viewer = await authHeaders(api, running.ctx.repos, 'viewer');
    feed = await AlertFeedClient.connect(api, viewer);
  }, 120_000);

  afterAll(async () => {
    await feed?.close();
    await running?.stop();
    await dvr?.stop();
    await smtp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a camera that never connects raises its own video-loss alert and degrades health', async () => {
    const alert = await until('a video-loss alert for cam_office', 30_000, async () => (await systemAlerts()).find((a) => a.rule_id === 'system.video_loss'));
    expect(alert).toMatchObject({ camera_id: 'cam_office', rule_type: 'system', severity: 'high', status: 'new' });
    expect(String(alert.title)).toMatch(/^Camera Office \(cam_office\): no video for \d+ s$/);
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.components.video).toMatchObject({ state: 'degraded' });
    expect(h.components.video!.detail).toContain('cam_office');
  });

  it('the DVR killed: one alert for the DVR, not one per camera, pushed and emailed; resolved when it returns', async () => {
    await until('both DVR cameras streaming', 30_000, async () => {
      const cams = ((await (await fetch(`${api}/api/v1/cameras`, { headers: viewer })).json()) as { items: Array<{ id: string; connected: boolean }> }).items;
      return cams.filter((c) => c.id !== 'cam_office' && c.connected).length === 2 ? true : undefined;
    });
    const port = dvr.port;
    dvr.signal('SIGKILL');
    const down = await until('a DVR-down alert on /ws/alerts', 30_000, () => feed.alerts().find((a) => a.change === 'new' && a.alert.rule_id === 'system.dvr_down'));
    expect(down.alert).toMatchObject({ severity: 'critical', camera_id: 'system', status: 'new' });
    expect(String(down.alert.title)).toMatch(/^DVR dvr1: all 2 cameras without video for \d+ s$/);
    // a few more rounds: still one alert, and none per camera of that DVR
    await new Promise((r) => setTimeout(r, 2000));
    // video alerts only: a nearly full disk on the test machine would add its own
    const open = (await systemAlerts()).filter((a) => a.status !== 'resolved' && ['system.dvr_down', 'system.video_loss'].includes(String(a.rule_id)));
    expect(open.map((a) => a.rule_id).sort()).toEqual(['system.dvr_down', 'system.video_loss']);
    expect(open.find((a) => a.rule_id === 'system.video_loss')?.camera_id).toBe('cam_office');
    const mail = await until('the DVR-down email', 30_000, () => smtp.received.find((m) => m.mail.subject?.includes('DVR dvr1')));
    expect(mail.to).toEqual([GUARD]);

    dvr = await spawnDvrSim({ port, channels: 2 });
    const resolved = await until('the DVR-down alert resolved', 40_000, () => feed.alerts().find((a) => a.change === 'resolved' && a.alert.id === down.alert.id));
    expect(resolved.alert).toMatchObject({ status: 'resolved', resolved_by: 'system' });
    expect(String(resolved.alert.resolve_note)).toMatch(/^cleared: DVR dvr1/);
    // cam_office still has no video: health stays degraded for it alone
    const h = await health();
    expect(h.components.video!.detail).not.toContain('dvr1');
    expect(h.components.video!.detail).toContain('cam_office');
  });
});
