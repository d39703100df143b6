import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import type { Bus } from '../bus/port.ts';
import { createLogger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS } from '../core/types.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { notificationRepo, type DeliveryRow, type NotificationRepo } from '../store/repositories/notifications.ts';
import type { Deliver } from './dispatcher.ts';
import { Notifier, type NotificationDlqMessage } from './notifier.ts';
import { alertMessage, channelError, fakeSender, notificationsConfig } from './test-helpers.ts';

const log = createLogger('silent');
let phone = 15550002000;
/** each test its own recipient, so rate limits of one test never touch another */
const guard = (o: Record<string, unknown> = {}) => ({ name: `g${++phone}`, channels: ['sms', 'email'], phone: `+${phone}`, email: `g${phone}@example.com`, min_severity: 'low', ...o });
const counter = async (channel: string, outcome: string) => (await metrics.notifications.get()).values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;

describe('notifier (PGlite, memory bus, fake channels, fake clock)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notifier-'));
  let store: Store;
  let repo: NotificationRepo;
  let bus: Bus;
  let clock = new Date('2025-01-20T10:00:00Z');
  const now = () => clock;
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const notifiers: Notifier[] = [];
  const notifier = (recipients: unknown[], senders: Record<string, Deliver>, extra: Record<string, unknown> = {}) => {
    const n = new Notifier({ bus, repo, config: notificationsConfig({ recipients, retry: { base_seconds: 10 }, ...extra }), senders, log, now, random: () => 0.5 });
    notifiers.push(n);
    return n;
  };
  const deliveries = async (alertId: number) => (await store.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE alert_id = $1 ORDER BY id', [alertId])).rows;

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repo = notificationRepo(store);
    bus = createMemoryBus({ retryBackoffMs: 5 });
  }, 60_000);
  afterAll(async () => {
    for (const n of notifiers) await n.stop();
    await bus?.close();
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('routes a redelivered alerts.critical message once: each recipient and channel is sent exactly one notification', async () => {
    const sms = fakeSender();
    const email = fakeSender();
    const n = notifier([guard()], { sms, email });
    await n.start({ dispatch: false });
    const m = alertMessage();
    await bus.publish(TOPICS.alertsCritical, m.camera_id, m);
    await bus.publish(TOPICS.alertsCritical, m.camera_id, m); // at-least-once: the outbox relay published it twice
    await expect.poll(() => bus.lag(TOPICS.alertsCritical, 'notify'), { timeout: 5000 }).toBe(0);
    await n.dispatcher.runDue();
    await n.accept(m); // and once more after the sends
    await n.dispatcher.runDue();
    expect(sms.sent.map((d) => d.alert_id)).toEqual([m.alert_id]);
    expect(email.sent.map((d) => d.alert_id)).toEqual([m.alert_id]);
    expect((await deliveries(m.alert_id)).map((d) => d.status)).toEqual(['sent', 'sent']);
    await n.stop();
  });

  it('sends at most 1 SMS per phone per 5 min: the 2nd is suppressed, recorded and counted; after the window SMS flows again', async () => {
    const sms = fakeSender();
    const r = guard({ channels: ['sms'] });
    const n = notifier([r], { sms });
    const before = await counter('sms', 'suppressed');
    const [a, b, c] = [alertMessage(), alertMessage(), alertMessage()];
    await n.accept(a, false);
    advance(4 * 60_000);
    await n.accept(b, false);
    await n.dispatcher.runDue();
    expect(sms.sent.map((d) => d.alert_id)).toEqual([a.alert_id]);
    expect((await deliveries(b.alert_id)).map((d) => d.status)).toEqual(['suppressed']);
    expect(await counter('sms', 'suppressed')).toBe(before + 1);
    expect((await repo.summary(clock)).suppressed_last_hour).toBeGreaterThanOrEqual(1);
    advance(60_001); // 5 min after the first
    await n.accept(c, false);
    await n.dispatcher.runDue();
    expect(sms.sent.map((d) => d.alert_id)).toEqual([a.alert_id, c.alert_id]);
  });

  it('sends at most 10 emails per address per hour: the 11th is suppressed, counted, and the SMS limit is separate', async () => {
    const email = fakeSender();
    const n = notifier([guard({ channels: ['email'] })], { email });
    const before = await counter('email', 'suppressed');
    const alerts = Array.from({ length: 11 }, () => alertMessage());
    for (const m of alerts) {
      await n.accept(m, false);
      advance(60_000);
    }
    await n.dispatcher.runDue();
    expect(email.sent).toHaveLength(10);
    expect((await deliveries(alerts[10]!.alert_id))[0]!.status).toBe('suppressed');
    expect(await counter('email', 'suppressed')).toBe(before + 1);
  });

  it('retries a retryable failure with exponential backoff (10 s, 20 s), then delivers, without holding other channels', async () => {
    const email = fakeSender((_d, attempt) => (attempt <= 2 ? channelError('SMTP 421 try later', true) : undefined));
    const sms = fakeSender();
    const n = notifier([guard()], { sms, email });
    const m = alertMessage();
    await n.accept(m, false);
    await n.dispatcher.runDue();
    expect(sms.sent).toHaveLength(1); // sent while email waits for its retry
    let [, row] = await deliveries(m.alert_id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: 'SMTP 421 try later' });
    expect(row!.next_attempt_at!.getTime() - clock.getTime()).toBe(10_000);
    advance(9_999);
    await n.dispatcher.runDue();
    expect(email.attempts.get(row!.id)).toBe(1); // not due yet
    advance(1);
    await n.dispatcher.runDue();
    [, row] = await deliveries(m.alert_id);
    expect(row!.next_attempt_at!.getTime() - clock.getTime()).toBe(20_000);
    advance(20_000);
    await n.dispatcher.runDue();
    [, row] = await deliveries(m.alert_id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(email.sent).toHaveLength(1);
  });

  it('dead-letters after 3 retries (4 attempts): a notification_dlq row and a notifications.dlq message; a manual retry delivers', async () => {
    let smtpUp = false;
    const email = fakeSender(() => (smtpUp ? undefined : channelError('connect ECONNREFUSED 127.0.0.1:25', true)));
    const n = notifier([guard({ channels: ['email'] })], { email });
    const dlqMessages: NotificationDlqMessage[] = [];
    const sub = await bus.subscribe<NotificationDlqMessage>({ topic: TOPICS.notificationsDlq, group: `t-${phone}`, start: 'latest', handler: async (r) => { dlqMessages.push(r.value); } });
    const m = alertMessage();
    await n.accept(m, false);
    for (let i = 0; i < 6; i++) {
      await n.dispatcher.runDue();
      advance(10 * 60_000);
    }
    const [row] = await deliveries(m.alert_id);
    expect(row).toMatchObject({ status: 'dead', attempts: 4 });
    const [letter] = await repo.listDlq({ status: 'open', limit: 50 }).then((l) => l.filter((q) => q.alert_id === m.alert_id));
    expect(letter).toMatchObject({ channel: 'email', target: row!.target, attempts: 4, retryable: true, error: 'connect ECONNREFUSED 127.0.0.1:25', status: 'open' });
    await expect.poll(() => dlqMessages.length, { timeout: 5000 }).toBe(1);
    expect(dlqMessages[0]).toMatchObject({ dlq_id: letter!.id, alert_id: m.alert_id, channel: 'email', attempts: 4 });
    expect((await repo.summary(clock)).failing_channels).toContain('email');

    smtpUp = true;
    expect(await repo.requeueDlq(letter!.id, clock)).toMatchObject({ ok: true });
    expect(await repo.requeueDlq(letter!.id, clock)).toEqual({ ok: false, reason: 'conflict', status: 'retrying' });
    await n.dispatcher.runDue();
    expect(email.sent.map((d) => d.alert_id)).toEqual([m.alert_id]);
    expect(await repo.getDlq(letter!.id)).toMatchObject({ status: 'delivered' });
    expect(await repo.requeueDlq(999_999, clock)).toEqual({ ok: false, reason: 'not_found' });
    await sub.stop();
  });

  it('does not retry a permanent failure (retryable: false): dead at once', async () => {
    const sms = fakeSender(() => channelError('21211 invalid To number', false));
    const n = notifier([guard({ channels: ['sms'] })], { sms });
    const m = alertMessage();
    await n.accept(m, false);
    await n.dispatcher.runDue();
    expect((await deliveries(m.alert_id))[0]).toMatchObject({ status: 'dead', attempts: 1 });
    expect(await repo.openDlq('sms', new Date(0), 100).then((l) => l.some((q) => q.alert_id === m.alert_id))).toBe(false); // not retryable: no automatic re-send
  });

  it('keeps alerts queued while a channel is down and delivers them when it recovers (probe → re-queue)', async () => {
    let up = false;
    const push = fakeSender(() => (up ? undefined : channelError('push service unavailable', true)));
    const n = notifier([guard({ channels: ['push'] })], { push }, { retry: { max_retries: 0 } });
    const alerts = [alertMessage(), alertMessage(), alertMessage()];
    for (const m of alerts) await n.accept(m, false);
    await n.dispatcher.runDue();
    for (const m of alerts) expect((await deliveries(m.alert_id))[0]!.status).toBe('dead');
    expect((await repo.summary(clock)).dead).toBeGreaterThanOrEqual(3);
    up = true;
    advance(60_000);
    await n.dispatcher.probe(); // one dead letter re-sent; its success re-queues the others
    await n.dispatcher.runDue();
    expect(push.sent.map((d) => d.alert_id).sort()).toEqual(alerts.map((m) => m.alert_id).sort());
    expect((await repo.summary(clock)).failing_channels).not.toContain('push');
  });

  it('dead-letters a delivery on a channel with no sender, naming the channel', async () => {
    const n = notifier([guard({ channels: ['mqtt'] })], {});
    const m = alertMessage();
    await n.accept(m, false);
    await n.dispatcher.runDue();
    expect((await deliveries(m.alert_id))[0]).toMatchObject({ status: 'dead', last_error: 'channel mqtt is not configured' });
  });

  it('says once per rule and severity that an alert has no recipient, then only at debug level', async () => {
    const lines: Array<{ level: number; msg: string; rule_id: string }> = [];
    const capture = createLogger('debug', { write: (l: string) => void lines.push(JSON.parse(l)) });
    const n = new Notifier({ bus, repo, config: notificationsConfig({ recipients: [guard({ min_severity: 'critical' })] }), senders: {}, log: capture, now });
    for (let i = 0; i < 3; i++) await n.accept(alertMessage({ severity: 'low' }), false);
    await n.accept(alertMessage({ severity: 'low', rule_id: 'gate-line' }), false);
    const said = lines.filter((l) => l.msg.includes('no recipient'));
    expect(said.map((l) => [l.level, l.rule_id])).toEqual([[30, 'plaza-loiter'], [20, 'plaza-loiter'], [20, 'plaza-loiter'], [30, 'gate-line']]);
    expect(said[0]!.msg).toBe('no recipient for low alerts of rule plaza-loiter: recorded, not notified (notifications.recipients); said once');
  });

  it('routes each message to the recipients in force then, not those it started with', async () => {
    let current = [notificationsConfig({ recipients: [guard({ channels: ['sms'] })] }).recipients[0]!];
    const n = new Notifier({ bus, repo, config: notificationsConfig({ recipients: [] }), recipients: () => current, senders: { sms: fakeSender() }, log, now });
    notifiers.push(n);
    const first = await n.accept(alertMessage(), false);
    expect(first.map((d) => d.recipient)).toEqual([current[0]!.name]);
    current = [];
    expect(await n.accept(alertMessage(), false)).toEqual([]);
  });
});
