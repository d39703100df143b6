import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, ruleSet, stream } from '../../src/analytics/rules/testing/stream.ts';
import { createMemoryBus } from '../../src/bus/memory.ts';
import type { Bus } from '../../src/bus/port.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { Health } from '../../src/core/health.ts';
import { rootLogger } from '../../src/core/log.ts';
import { TOPICS, type AlertMessage, type DetectionMessage } from '../../src/core/types.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import { triggerFrameKey } from '../../src/analytics/track-events.ts';
import { parseBox } from '../../src/store/repositories/events.ts';
import { startAnalytics } from '../../src/roles/analytics.ts';
import type { RoleContext, RunningRole } from '../../src/roles/context.ts';
import { openSettings } from '../../src/settings/open.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { until } from '../fixtures/until.ts';

// a 10 s loitering rule over the plaza (feet inside x,y < 500) of camera cam_a
const rules = ruleSet({
  cameras: {
    cam_a: {
      zones: { plaza: { name: 'Plaza', polygon: [[0, 0], [500, 0], [500, 500], [0, 500]] } },
      rules: {
        loiter: { type: 'loitering', zone: 'plaza', params: { seconds: 10 }, severity: 'critical' },
        watch: { type: 'zone_enter', zone: 'plaza', test_mode: true },
      },
    },
  },
});
const frame = stream('cam_a', '2025-01-20T12:00:00Z') // daytime: no night shortening;
const person = (i: number): DetectionMessage => frame(i, [{ id: 7, bbox: at(200 + (i % 3), 400) }]);

describe('analytics role: rules → events, alerts, outbox → alerts.critical (memory bus, PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerts-int-'));
  let store: Store;
  const roles: RunningRole[] = [];
  const buses: Bus[] = [];

  const context = (bus: Bus): RoleContext => {
    const loaded = resolveConfig({ storage: { data_dir: root }, api: { public_url: 'http://vigil.test' } }, 'test', {}, root);
    return {
      loaded, log: rootLogger.child({ component: 'test' }), health: new Health(), bus, store,
      repos: createRepositories(store),
      objects, settings: openSettings(store, async () => []),
    } as unknown as RoleContext;
  };
  /** a role on a fresh memory bus (as after a process restart) with a collector on alerts.critical */
  const start = async () => {
    const bus = createMemoryBus();
    buses.push(bus);
    const got: AlertMessage[] = [];
    await bus.subscribe<AlertMessage>({ topic: TOPICS.alertsCritical, group: 'test', handler: async (r) => { got.push(r.value); } });
    const role = await startAnalytics(context(bus), { rules, outboxIntervalMs: 200 });
    roles.push(role);
    return { bus, got, role };
  };
  const objects = createDiskObjects(path.join(root, 'objects'));
  /** each frame as the inference role leaves it: the picture kept for the rules, then its detections */
  const publish = async (bus: Bus, from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const m = person(i);
      await objects.put('snapshots', triggerFrameKey('cam_a', m.timestamp, m.frame_seq), Buffer.from(`frame ${i}`));
      await bus.publish(TOPICS.aiDetections, 'cam_a', m);
    }
  };
  const windowFrames = async (n: number) => (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM rules_window')).rows[0]!.n === n || undefined;
  const alertRows = async () => (await store.query<{ id: number; event_id: number; severity: string }>(
    `SELECT id, event_id, severity FROM alerts WHERE rule_key = 'loiter'`)).rows;

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
  }, 60_000);
  afterAll(async () => {
    for (const r of roles) await r.stop().catch(() => {});
    for (const b of buses) await b.close();
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a restart in the middle of a loitering dwell still fires once: event + alert + outbox → alerts.critical', async () => {
    const first = await start();
    await publish(first.bus, 0, 5);
    await until('6 frames in the rules window', 15_000, () => windowFrames(6), 50);
    await first.role.stop();
    expect(await alertRows()).toHaveLength(0);

    // "restart": a fresh bus (the memory bus is gone) and a fresh engine; the dwell resumes from the window
    const second = await start();
    await publish(second.bus, 6, 14);
    const msg = await until('the alerts.critical message', 15_000, () => second.got[0], 50);
    const [alert] = await alertRows();
    expect(alert).toBeDefined();
    expect(msg).toMatchObject({ kind: 'new', alert_id: alert!.id, event_id: alert!.event_id, camera_id: 'cam_a', rule_id: 'loiter', rule_type: 'loitering', severity: 'critical' });
    expect(msg.event_url).toBe(`http://vigil.test/api/v1/events/${alert!.event_id}`);
    // the dwell began at frame 0, before the restart
    const event = (await store.query<{ event_type: string; start_time: Date; snapshot_path: string; bounding_box: string; metadata: { boxes: unknown[] } }>(
      'SELECT event_type, start_time, snapshot_path, bounding_box::text, metadata FROM events WHERE id = $1', [alert!.event_id])).rows[0]!;
    expect(event.event_type).toBe('loitering');
    // its snapshot is the frame that fired (frame 10: 10 s into the dwell), its box the person's there
    expect((await objects.get('snapshots', event.snapshot_path)).toString()).toBe('frame 10');
    expect(msg.snapshot_key).toBe(event.snapshot_path);
    expect(parseBox(event.bounding_box)).toEqual(person(10).detections[0]!.bbox);
    expect(event.metadata.boxes).toEqual([{ track_id: 7, class: 'person', confidence: person(10).detections[0]!.confidence, bbox: person(10).detections[0]!.bbox }]);
    expect(event.start_time.getTime()).toBeLessThanOrEqual(Date.parse(person(0).timestamp) + 2000);
    // the track's own detection event is still written
    expect((await store.query('SELECT 1 FROM events WHERE event_key = $1', ['cam_a:7'])).rows).toHaveLength(1);

    // replays of the same frames (redelivery) and more of the same dwell: still one alert, one message
    await publish(second.bus, 10, 20);
    await until('frames processed', 15_000, () => windowFrames(21), 50);
    await new Promise((r) => setTimeout(r, 400));
    expect(await alertRows()).toHaveLength(1);
    expect(second.got.filter((m) => m.kind === 'new')).toHaveLength(1);
    // test-mode rules are only logged: no zone_enter event
    expect((await store.query(`SELECT 1 FROM events WHERE event_type = 'zone_enter'`)).rows).toHaveLength(0);
    // a third start replays the window again: no second alert
    await second.role.stop();
    const third = await start();
    await new Promise((r) => setTimeout(r, 400));
    expect(await alertRows()).toHaveLength(1);
    expect(third.got).toHaveLength(0);
  });

  it('evaluates late detections (catch-up) in their own capture order: a dwell an hour before live still fires, marked late', async () => {
    const { bus, got } = await start();
    const early = stream('cam_a', '2025-01-20T11:00:00Z');
    const late = (i: number): DetectionMessage => ({ ...early(i, [{ id: 9, bbox: at(200 + (i % 3), 400) }]), late: true });
    const windowBefore = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM rules_window');
    // live rule state is at 12:00 (the test before); these frames are older and would be ignored as replays there
    for (let i = 0; i <= 14; i++) await bus.publish(TOPICS.aiDetections, 'cam_a', late(i));
    const rows = await until('the late loitering alert', 15_000, async () => {
      const r = (await store.query<{ late: boolean; start_time: Date }>(
        `SELECT e.late, e.start_time FROM alerts a JOIN events e ON e.id = a.event_id WHERE a.rule_key = 'loiter' AND e.start_time < '2025-01-20T12:00:00Z'`)).rows;
      return r.length ? r : undefined;
    }, 50);
    expect(rows).toEqual([{ late: true, start_time: new Date(early(0, []).timestamp) }]);
    await until('its alerts.critical message', 15_000, () => got.find((m) => m.kind === 'new'), 50);
    // the track's own event is late too; the live rules window (restart replay) holds no late frame
    expect((await store.query('SELECT late FROM events WHERE event_key = $1', ['cam_a:9'])).rows).toEqual([{ late: true }]);
    expect((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM rules_window')).rows).toEqual(windowBefore.rows);
  });
});
