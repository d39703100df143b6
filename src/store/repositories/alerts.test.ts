import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import { sampleTrigger } from '../../alerts/test-fixtures.ts';
import type { Store } from '../port.ts';
import { checkTransition, TRANSITIONS, type LifecycleChange } from '../../alerts/lifecycle.ts';
import { UseCaseError } from '../../core/errors.ts';
import { alertMessage } from '../../alerts/outbox-message.ts';
import { alertRepo, type AlertRepo, type OutboxFacts } from './alerts.ts';
import { parseBox } from './events.ts';
import { InvalidCursorError } from './types.ts';

const T0 = new Date('2025-01-20T23:10:00Z');
let n = 0;
/** a distinct trigger per call */
const trigger = (o: Parameters<typeof sampleTrigger>[0] = {}) => {
  const startedAt = new Date(T0.getTime() + ++n * 1000);
  return sampleTrigger({ startedAt, at: new Date(startedAt.getTime() + 300_000), ...o });
};

describe('alerts repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let alerts: AlertRepo;
  let clock = T0;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('alerts-repo'));
    await store.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam_a', 'Plaza cam', 'rtsp://x')`);
    alerts = alertRepo(store, { now: () => clock });
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  /** a lifecycle change as the alerts domain makes it */
  const act = (id: number, change: LifecycleChange, by: string, note?: string) =>
    alerts.changeStatus(id, { change, to: TRANSITIONS[change].to, by, byUserId: null, note: note ?? null }, (before) => checkTransition(before, change));

  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0]!.n;

  it('writes event, alert, change and outbox message together; a replay writes nothing', async () => {
    const t = trigger();
    const boxes = [{ track_id: 7, class: 'person', confidence: 0.8, bbox: [12, 22, 58, 138] as [number, number, number, number] }];
    const first = await alerts.recordTrigger(t, { snapshotPath: 'cam_a/rules/7.jpg', drawnPath: 'cam_a/rules/7.boxes.jpg', boxes });
    expect(first.created).toBe(true);
    expect(first.alertId).toBeGreaterThan(0);
    const replay = await alerts.recordTrigger({ ...t, at: new Date(t.at.getTime() + 5000) });
    expect(replay).toEqual({ eventId: first.eventId, alertId: first.alertId, created: false });

    expect(await count('events', 'event_key = $1', [t.key])).toBe(1);
    expect(await count('alerts', 'event_key = $1', [t.key])).toBe(1);
    expect(await count('alert_changes', 'alert_id = $1', [first.alertId])).toBe(1);
    const ev = (await store.query<{ event_type: string; snapshot_path: string; severity: string; bounding_box: string; metadata: { rule: { id: string } } }>(
      'SELECT event_type, snapshot_path, severity, bounding_box::text, metadata FROM events WHERE id = $1', [first.eventId])).rows[0]!;
    // the event's box is its objects' box in the frame of its snapshot
    expect(ev).toMatchObject({ event_type: 'loitering', snapshot_path: 'cam_a/rules/7.jpg', severity: 'critical', metadata: { rule: { id: 'loiter' }, boxes } });
    expect(parseBox(ev.bounding_box)).toEqual([12, 22, 58, 138]);
    // the clip job of migration 004 comes with the event
    expect(await count('event_clip_jobs', 'event_key = $1', [t.key])).toBe(1);

    const out = (await store.query<{ topic: string; key: string; payload: OutboxFacts }>(
      `SELECT topic, key, payload FROM outbox WHERE payload->>'alert_id' = $1`, [String(first.alertId)])).rows;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ topic: 'alerts.critical', key: 'cam_a' });
    expect(out[0]!.payload).toMatchObject({
      kind: 'new', alert_id: first.alertId, event_id: first.eventId, camera_name: 'Plaza cam', rule_type: 'loitering', severity: 'critical',
      night: true, snapshot_path: 'cam_a/rules/7.boxes.jpg', triggered_at: t.at.toISOString(),
    });
    // the published message, with its link, is the alerts domain's: the row holds the facts
    expect(alertMessage(out[0]!.payload, 'http://vigil.local:8080/')).toMatchObject({
      alert_id: first.alertId, camera_name: 'Plaza cam', snapshot_key: 'cam_a/rules/7.boxes.jpg', at: t.at.toISOString(),
      event_url: `http://vigil.local:8080/api/v1/events/${first.eventId}`,
    });
  });

  it('an event-only rule writes the event without alert or outbox message', async () => {
    const before = await count('outbox');
    const r = await alerts.recordTrigger(trigger({ alert: false }));
    expect(r.created).toBe(true);
    expect(r.alertId).toBeUndefined();
    expect(await count('outbox')).toBe(before);
  });

  it('refuses test-mode triggers', async () => {
    await expect(alerts.recordTrigger(trigger({ testMode: true }))).rejects.toThrow(/test mode/);
  });

  it('a failing outbox insert rolls back the event and the alert', async () => {
    const failing: Store = {
      ...store,
      transaction: (fn) => store.transaction((tx) => fn({
        query: (text, params) => (/INSERT INTO outbox/.test(text) ? Promise.reject(new Error('disk full')) : tx.query(text, params)),
      })),
    };
    const t = trigger();
    await expect(alertRepo(failing).recordTrigger(t)).rejects.toThrow('disk full');
    expect(await count('events', 'event_key = $1', [t.key])).toBe(0);
    expect(await count('alerts', 'event_key = $1', [t.key])).toBe(0);
    expect(await count('event_clip_jobs', 'event_key = $1', [t.key])).toBe(0);
    // the same trigger succeeds later (a redelivery)
    expect((await alerts.recordTrigger(t)).created).toBe(true);
  });

  it('lifecycle: new → ack → resolved with who, when, note; changes and audit rows', async () => {
    const { alertId } = await alerts.recordTrigger(trigger());
    const id = alertId!;
    const seq0 = await alerts.latestChangeSeq();
    clock = new Date(T0.getTime() + 60_000);
    const acked = await act(id, 'ack', 'user:maria', 'on my way');
    expect(acked).toMatchObject({ status: 'ack', acked_by: 'user:maria', ack_note: 'on my way', acked_at: clock });
    await expect(act(id, 'ack', 'user:joe')).rejects.toThrow(UseCaseError);
    const resolved = await act(id, 'resolved', 'api_key:gate-gw');
    expect(resolved).toMatchObject({ status: 'resolved', resolved_by: 'api_key:gate-gw', resolve_note: null, false_positive: false });
    await expect(act(id, 'resolved', 'user:maria')).rejects.toThrow(/is resolved: cannot resolve/);
    await expect(act(id, 'false_positive', 'user:maria')).rejects.toMatchObject({ failure: 'conflict' });
    expect(await act(999_999, 'ack', 'user:maria')).toBeNull();

    const changes = await alerts.changesSince(seq0, 10);
    expect(changes.map((c) => [c.change, c.by])).toEqual([['ack', 'user:maria'], ['resolved', 'api_key:gate-gw']]);
    expect(changes[0]!.seq).toBeLessThan(changes[1]!.seq);
    expect(changes[1]!.alert).toMatchObject({ id, status: 'resolved' });
    expect(await alerts.latestChangeSeq()).toBe(changes[1]!.seq);
    expect(await count('audit_log', `resource = $1`, [`alert/${id}`])).toBe(2);
  });

  it('false positive: resolves the alert and flags the event for training', async () => {
    const { alertId, eventId } = await alerts.recordTrigger(trigger());
    const fp = await act(alertId!, 'false_positive', 'user:joe', 'a shadow');
    expect(fp).toMatchObject({ status: 'resolved', false_positive: true, resolved_by: 'user:joe', resolve_note: 'a shadow' });
    const meta = (await store.query<{ metadata: { false_positive: { by: string; note: string } } }>('SELECT metadata FROM events WHERE id = $1', [eventId])).rows[0]!.metadata;
    expect(meta.false_positive).toMatchObject({ by: 'user:joe', note: 'a shadow', alert_id: alertId });
  });

  it('lists newest first with filters and a cursor', async () => {
    await alerts.recordTrigger(trigger({ cameraId: 'cam_b', severity: 'low', key: 'cam_b:list:1' }));
    await alerts.recordTrigger(trigger({ cameraId: 'cam_b', severity: 'high', key: 'cam_b:list:2' }));
    const all = await alerts.list({ cameraIds: ['cam_b'], limit: 1 });
    expect(all.items.map((a) => a.severity)).toEqual(['high']);
    const next = await alerts.list({ cameraIds: ['cam_b'], limit: 1, cursor: all.nextCursor! });
    expect(next.items.map((a) => a.severity)).toEqual(['low']);
    expect(next.nextCursor).toBeNull();
    expect((await alerts.list({ cameraIds: ['cam_b'], severity: 'low', limit: 10 })).items).toHaveLength(1);
    expect((await alerts.list({ status: 'resolved', limit: 100 })).items.every((a) => a.status === 'resolved')).toBe(true);
    await expect(alerts.list({ limit: 10, cursor: '!!' })).rejects.toThrow(InvalidCursorError);
  });

  it('escalates an unacknowledged critical alert once', async () => {
    clock = T0;
    const { alertId } = await alerts.recordTrigger(trigger());
    const later = new Date(T0.getTime() + 16 * 60_000);
    expect((await alerts.pendingEscalations(new Date(T0.getTime() + 14 * 60_000), 15)).map((a) => a.id)).not.toContain(alertId);
    expect((await alerts.pendingEscalations(later, 15)).map((a) => a.id)).toContain(alertId);
    expect(await alerts.escalate(alertId!, later, 'admin')).toBe(true);
    expect(await alerts.escalate(alertId!, later, 'admin')).toBe(false);
    expect(await alerts.get(alertId!)).toMatchObject({ escalated_at: later, escalated_to: 'admin', status: 'new' });
    const kinds = (await store.query<{ kind: string }>(`SELECT payload->>'kind' AS kind FROM outbox WHERE payload->>'alert_id' = $1 ORDER BY id`, [String(alertId)])).rows;
    expect(kinds.map((k) => k.kind)).toEqual(['new', 'escalation']);
  });

  it('outbox: pending in id order, published oldest first and marked, backlog', async () => {
    const pending = await alerts.outboxPending(1000);
    expect(pending.length).toBeGreaterThan(1);
    expect(pending.map((r) => r.id)).toEqual([...pending.map((r) => r.id)].sort((a, b) => a - b));
    expect(await alerts.outboxBacklog()).toBe(pending.length);
    const published: number[] = [];
    expect(await alerts.publishNextOutbox(async (row) => void published.push(row.id), () => T0)).toBe('published');
    expect(published).toEqual([pending[0]!.id]);
    expect(await alerts.outboxBacklog()).toBe(pending.length - 1);
    expect((await alerts.outboxPending(1))[0]!.id).toBe(pending[1]?.id);
    expect((await store.query('SELECT published_at FROM outbox WHERE id = $1', [pending[0]!.id])).rows).toEqual([{ published_at: T0 }]);
  });

  it('outbox: a failed publish leaves the row unpublished', async () => {
    const [next] = await alerts.outboxPending(1);
    await expect(alerts.publishNextOutbox(async () => { throw new Error('bus down'); }, () => T0)).rejects.toThrow('bus down');
    expect((await alerts.outboxPending(1))[0]!.id).toBe(next!.id);
  });
});
