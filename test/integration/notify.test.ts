import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { TOPICS } from '../../src/core/types.ts';
import { ChannelError, type Channel, type ChannelKind, type Notification, type Target } from '../../src/notify/channels/types.ts';
import type { NotificationDlqMessage } from '../../src/notify/notifier.ts';
import { alertMessage } from '../../src/notify/test-helpers.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext, type RoleContext, type RunningRole } from '../../src/roles/context.ts';
import { startNotify } from '../../src/roles/notify.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';

/** A channel double implementing the channel interface: records sends, fails while `down`. */
function fakeChannel(kind: ChannelKind) {
  const sent: Array<{ n: Notification; target: Target }> = [];
  const channel = {
    kind, sent, down: false, closed: false,
    async send(n: Notification, target: Target) {
      if (channel.down) throw new ChannelError(kind, 'connect ECONNREFUSED 127.0.0.1:2525', true);
      sent.push({ n, target });
    },
    async close() {
      channel.closed = true;
    },
  };
  return channel satisfies Channel;
}

describe('notify role with the API (PGlite, memory bus, fake channels, real timers)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-'));
  const alarmFile = path.join(root, 'alarm.log');
  const email = fakeChannel('email');
  const sms = fakeChannel('sms');
  let ctx: RoleContext;
  let roles: RunningRole[] = [];
  let api = '';
  const dlqMessages: NotificationDlqMessage[] = [];
  /** an operator: reads and retries notifications */
  let operator: AuthHeaders;
  const get = async (p: string) => {
    const r = await fetch(`${api}${p}`, { headers: operator });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const post = async (p: string) => {
    const r = await fetch(`${api}${p}`, { method: 'POST', headers: operator });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const loaded = resolveConfig({
      storage: { data_dir: root },
      api: { port: 0 },
      live: { webrtc: false },
      notifications: {
        email: { host: '127.0.0.1', port: 2525, from: 'vigil@example.com' },
        sms: { base_url: 'http://127.0.0.1:9', account_sid: 'AC1', from: '+15550000000' },
        recipients: [
          { name: 'guard', channels: ['email', 'sms'], email: 'guard@example.com', phone: '+15550001111', min_severity: 'high' },
          { name: 'boss', channels: ['email'], email: 'boss@example.com', min_severity: 'critical', admin: true },
        ],
        retry: { max_retries: 3, base_seconds: 0.02 },
        recovery: { probe_seconds: 3600 },
        local_alarm: { command: ['/bin/sh', '-c', 'echo "$VIGIL_ALERT_ID $VIGIL_ALERT_SEVERITY" >> "$0"', alarmFile] },
      },
    }, 'notify-test', {}, root);
    ctx = await openContext(loaded, createLogger('silent'));
    await ctx.bus.ensureTopic(TOPICS.notificationsDlq);
    await ctx.bus.subscribe<NotificationDlqMessage>({ topic: TOPICS.notificationsDlq, group: 'test', handler: async (r) => { dlqMessages.push(r.value); } });
    roles.push(await startNotify(ctx, { channels: [email, sms], pollMs: 20 }));
    const apiRole = await startApiRole(ctx);
    roles.push(apiRole);
    api = apiRole.url;
    operator = await authHeaders(api, ctx.repos, 'operator');
  }, 60_000);

  afterAll(async () => {
    for (const r of roles.reverse()) await r.stop();
    roles = [];
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('SMTP down: SMS and the local alarm go out at once, email retries 3 times then is dead-lettered (table, topic, API); a manual retry delivers', async () => {
    email.down = true;
    const m = alertMessage({ severity: 'critical' });
    await ctx.bus.publish(TOPICS.alertsCritical, m.camera_id, m);

    await expect.poll(() => sms.sent.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => fs.existsSync(alarmFile) && fs.readFileSync(alarmFile, 'utf8'), { timeout: 10_000 }).toBe(`${m.alert_id} critical\n`);
    await expect.poll(() => dlqMessages.length, { timeout: 10_000 }).toBe(2); // guard's and boss's email
    expect(dlqMessages.map((q) => q.target).sort()).toEqual(['boss@example.com', 'guard@example.com']);
    expect(dlqMessages[0]).toMatchObject({ alert_id: m.alert_id, channel: 'email', attempts: 4, retryable: true, error: 'email: connect ECONNREFUSED 127.0.0.1:2525' });

    const list = await get('/api/v1/notifications/dlq?status=open&limit=1');
    expect(list.status).toBe(200);
    const items = list.body.items as Array<{ id: number; alert_id: number; channel: string; status: string }>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ alert_id: m.alert_id, channel: 'email', status: 'open' });
    expect(list.body.next_cursor).toBe(String(items[0]!.id));
    const page2 = await get(`/api/v1/notifications/dlq?status=open&limit=1&cursor=${String(list.body.next_cursor)}`);
    expect((page2.body.items as unknown[]).length).toBe(1);

    const pending = await get('/api/v1/notifications/pending');
    expect(pending.body).toMatchObject({ pending: 0, dead: 2, failing_channels: ['email'] });

    email.down = false;
    const retried = await post(`/api/v1/notifications/dlq/${items[0]!.id}/retry`);
    expect(retried).toMatchObject({ status: 202, body: { id: items[0]!.id, status: 'retrying' } });
    await expect.poll(() => email.sent.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(email.sent[0]!.n.alert.alert_id).toBe(m.alert_id);
    expect(email.sent[0]!.n.subject).toContain(m.title); // rendered by src/notify/render.ts
    // the channel recovered: the other dead letter is re-queued automatically
    await expect.poll(() => email.sent.length, { timeout: 10_000 }).toBe(2);
    expect((await post(`/api/v1/notifications/dlq/${items[0]!.id}/retry`))).toMatchObject({ status: 409, body: { error: 'conflict', message: `dead letter ${items[0]!.id} was already delivered` } });
    expect((await post('/api/v1/notifications/dlq/999999/retry')).status).toBe(404);
    expect((await get('/api/v1/notifications/dlq?page=2')).body).toMatchObject({ error: 'bad_request', message: "unknown query parameter 'page'" });
    await expect.poll(async () => (await get('/api/v1/notifications/pending')).body, { timeout: 5000 }).toMatchObject({ pending: 0, dead: 0, failing_channels: [] });

    // a redelivery of the same message (outbox relay at-least-once) sends nothing again
    const sent = { email: email.sent.length, sms: sms.sent.length };
    await ctx.bus.publish(TOPICS.alertsCritical, m.camera_id, m);
    await expect.poll(() => ctx.bus.lag(TOPICS.alertsCritical, 'notify'), { timeout: 5000 }).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect({ email: email.sent.length, sms: sms.sent.length }).toEqual(sent);
    expect(fs.readFileSync(alarmFile, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a second alert within 5 min: the guard\'s SMS is suppressed and counted; an escalation reaches the admin only', async () => {
    const smsBefore = sms.sent.length;
    const m = alertMessage({ severity: 'high' });
    await ctx.bus.publish(TOPICS.alertsCritical, m.camera_id, m);
    await expect.poll(() => email.sent.some((s) => s.n.alert.alert_id === m.alert_id), { timeout: 10_000 }).toBe(true);
    expect(sms.sent.length).toBe(smsBefore);
    expect((await get('/api/v1/notifications/pending')).body.suppressed_last_hour).toBe(1);

    const esc = alertMessage({ kind: 'escalation', alert_id: m.alert_id, severity: 'critical' });
    await ctx.bus.publish(TOPICS.alertsCritical, esc.camera_id, esc);
    await expect.poll(() => email.sent.filter((s) => s.n.alert.kind === 'escalation').map((s) => s.target), { timeout: 10_000 }).toEqual([{ kind: 'email', address: 'boss@example.com' }]);
  });

  it('closes its channels when the role stops', async () => {
    for (const r of roles.reverse()) await r.stop();
    roles = [];
    expect([email.closed, sms.closed]).toEqual([true, true]);
  });
});
