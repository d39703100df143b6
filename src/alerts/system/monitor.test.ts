import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../core/health.ts';
import { createLogger } from '../../core/log.ts';
import type { AlertMessage } from '../../core/types.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/port.ts';
import { alertRepo, type AlertRepo } from '../../store/repositories/alerts.ts';
import type { Condition } from './conditions.ts';
import { SystemAlertMonitor } from './monitor.ts';

const videoLoss: Condition = { kind: 'video_loss', subject: 'cam_001', cameraId: 'cam_001', severity: 'high', title: 'Camera cam_001: no video for 61 s', details: {} };

describe('system alert monitor (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-system-alerts-'));
  let store: Store;
  let alerts: AlertRepo;
  let holds: Condition[] = [];
  const monitor = (health = new Health()) => new SystemAlertMonitor({ alerts, health, log: createLogger('silent'), sample: async () => holds, intervalMs: 60_000 });

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    alerts = alertRepo(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const systemAlerts = async () => (await alerts.list({ limit: 100 })).items.filter((a) => a.rule_type === 'system');

  it('raises one alert while a condition lasts, resolves it when it clears, and reports health', async () => {
    const health = new Health();
    const m = monitor(health);
    holds = [videoLoss];
    await m.check();
    await m.check();
    const [raised, ...more] = await systemAlerts();
    expect(more).toEqual([]);
    expect(raised).toMatchObject({ status: 'new', camera_id: 'cam_001', rule_id: 'system.video_loss', rule_name: 'Video loss', severity: 'high', title: videoLoss.title });
    expect(health.snapshot().video).toMatchObject({ state: 'degraded', detail: videoLoss.title });
    expect(health.overall()).toBe('degraded');
    // no clip is scheduled for a system alert's event: there is no footage of it to cut
    expect((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM event_clip_jobs')).rows[0]!.n).toBe(0);
    const outbox = await alerts.outboxPending(10);
    expect(outbox.map((o) => (o.payload as AlertMessage).alert_id)).toEqual([raised!.id]);

    holds = [];
    await m.check();
    expect(await alerts.get(raised!.id)).toMatchObject({ status: 'resolved', resolved_by: 'system', resolve_note: `cleared: ${videoLoss.title}` });
    expect(health.overall()).toBe('healthy');
    const changes = await alerts.changesSince(0, 10);
    expect(changes.map((c) => [c.alert.id, c.change])).toEqual([[raised!.id, 'new'], [raised!.id, 'resolved']]);

    // the same condition again later is a new alert
    holds = [videoLoss];
    await m.check();
    expect((await systemAlerts()).map((a) => a.status)).toEqual(['new', 'resolved']);
  });

  it('a restarted monitor takes over the open alert instead of raising a second one, and resolves one that cleared meanwhile', async () => {
    const disk: Condition = { kind: 'disk_low', subject: 'system', cameraId: 'system', severity: 'critical', title: 'Free disk low', details: {} };
    holds = [videoLoss, disk];
    await monitor().check();
    const before = await systemAlerts();
    holds = [videoLoss];
    await monitor().check(); // "after a restart": the video loss goes on, the disk recovered while down
    const after = await systemAlerts();
    expect(after.length).toBe(before.length);
    expect(after.filter((a) => a.status !== 'resolved').map((a) => a.rule_id)).toEqual(['system.video_loss']);
  });
});
