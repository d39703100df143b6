import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import type { Bus } from '../bus/port.ts';
import { rootLogger } from '../core/log.ts';
import type { AlertMessage } from '../core/types.ts';
import { createDiskObjects } from '../objects/disk.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { alertRepo, type AlertRepo } from '../store/repositories/alerts.ts';
import { ManualClock } from './clock.ts';
import { EscalationScheduler } from './escalation.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { alertService } from './service.ts';
import { operator, sampleTrigger } from './test-fixtures.ts';
import { eventRepo } from '../store/repositories/events.ts';

const T0 = new Date('2025-01-20T23:00:00Z');
const log = rootLogger.child({ component: 'test' });

describe('outbox relay and escalation (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-relay-'));
  let store: Store;
  let alerts: AlertRepo;
  const clock = new ManualClock(T0);
  let n = 0;
  const newAlert = async (o: Parameters<typeof sampleTrigger>[0] = {}) => {
    const startedAt = new Date(T0.getTime() + ++n * 1000);
    return (await alerts.recordTrigger(sampleTrigger({ startedAt, at: clock.now(), ...o }))).alertId!;
  };
  const publishedIds = async () => (await store.query<{ id: number }>('SELECT id FROM outbox WHERE published_at IS NOT NULL ORDER BY id')).rows.map((r) => r.id);

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    alerts = alertRepo(store, { now: () => clock.now() });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('relay: a bus failure stops the pass and the next pass resumes in order', async () => {
    const ids = [await newAlert(), await newAlert(), await newAlert()];
    const sent: AlertMessage[] = [];
    let failuresLeft = 2;
    const bus = {
      publish: async (_topic: string, _key: string, value: AlertMessage) => {
        // the second message fails twice: bus down
        if (value.alert_id === ids[1] && failuresLeft-- > 0) throw new Error('broker unreachable');
        sent.push(value);
        return { partition: 0, offset: sent.length };
      },
    } as unknown as Bus;
    const relay = new OutboxRelay(bus, alerts, log, { publicUrl: 'http://vigil.test', clock });
    expect(await relay.pass()).toBe(1);
    expect(await alerts.outboxBacklog()).toBe(2);
    expect(await relay.pass()).toBe(0);
    expect(await relay.pass()).toBe(2);
    expect(sent.map((m) => m.alert_id)).toEqual(ids);
    // published as the alert message, with the absolute link notifications carry
    expect(sent[0]).toMatchObject({ kind: 'new', camera_id: 'cam_a', event_url: expect.stringMatching(/^http:\/\/vigil\.test\/api\/v1\/events\/\d+$/) });
    expect(await alerts.outboxBacklog()).toBe(0);
    expect(await relay.pass()).toBe(0);
    expect(sent).toHaveLength(3);
  });

  it('relay: started, it publishes on a nudge and retries on its timer', async () => {
    const bus = createMemoryBus();
    const got: number[] = [];
    await bus.subscribe<AlertMessage>({ topic: 'alerts.critical', group: 't', handler: async (r) => { got.push(r.value.alert_id); } });
    const realPublish = bus.publish.bind(bus);
    let down = true;
    bus.publish = (async (...args: Parameters<Bus['publish']>) => {
      if (down) throw new Error('bus down');
      return realPublish(...args);
    }) as Bus['publish'];
    const relay = new OutboxRelay(bus, alerts, log, { publicUrl: 'http://vigil.test', clock, intervalMs: 1000 });
    relay.start();
    const id = await newAlert();
    relay.nudge();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    down = false;
    await clock.advance(1000);
    for (let i = 0; i < 50 && !got.includes(id); i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([id]);
    await relay.stop();
    await bus.close();
    expect(await publishedIds()).toContain((await store.query<{ id: number }>(`SELECT id FROM outbox WHERE payload->>'alert_id' = $1`, [String(id)])).rows[0]!.id);
  });

  it('escalation: an unacknowledged critical alert is escalated once after the delay; acked and non-critical ones never', async () => {
    await store.query(`UPDATE alerts SET status = 'resolved'`); // earlier tests' alerts out of the way
    const critical = await newAlert();
    const acked = await newAlert();
    const high = await newAlert({ severity: 'high' });
    await alertService({ alerts, events: eventRepo(store), objects: createDiskObjects(path.join(root, 'objects')), log }).ack(operator('maria'), acked);
    let nudged = 0;
    const esc = new EscalationScheduler(alerts, log, { afterMinutes: 15, to: 'admin', checkIntervalMs: 60_000, clock, onEscalated: () => nudged++ });
    esc.start();
    await clock.advance(14 * 60_000);
    expect((await alerts.get(critical))!.escalated_at).toBeNull();
    await clock.advance(2 * 60_000);
    for (let i = 0; i < 50 && !(await alerts.get(critical))!.escalated_at; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await alerts.get(critical)).toMatchObject({ escalated_to: 'admin', status: 'new' });
    await clock.advance(30 * 60_000);
    await esc.stop();
    expect((await alerts.get(acked))!.escalated_at).toBeNull();
    expect((await alerts.get(high))!.escalated_at).toBeNull();
    const escalations = (await store.query<{ id: string }>(`SELECT payload->>'alert_id' AS id FROM outbox WHERE payload->>'kind' = 'escalation'`)).rows.map((r) => Number(r.id));
    expect(escalations).toEqual([critical]);
    expect(nudged).toBe(1);
    const changes = (await alerts.changesSince(0, 1000)).filter((c) => c.change === 'escalated');
    expect(changes.map((c) => c.alert.id)).toEqual([critical]);
    // a restarted scheduler (state only in the database) does not escalate again
    const again = new EscalationScheduler(alerts, log, { afterMinutes: 15, to: 'admin', clock });
    expect(await again.check()).toEqual([]);
  });
});
