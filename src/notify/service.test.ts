import { describe, expect, it } from 'vitest';
import type { Caller } from '../core/actor.ts';
import type { NotificationRepo } from '../store/repositories/notifications.ts';
import { notificationService } from './service.ts';

describe('notification service', () => {
  const calls: unknown[][] = [];
  const repo = {
    listDlq: async (f: unknown) => { calls.push(['list', f]); return []; },
    requeueDlq: async (...args: unknown[]) => { calls.push(['requeue', ...args]); return { ok: false, reason: 'not_found' }; },
  } as unknown as NotificationRepo;
  const now = new Date('2025-01-20T10:00:00Z');
  const service = notificationService(repo, () => now);
  const gate: Caller = { kind: 'api_key', id: 2, name: 'gate-gw', cameras: ['cam_a'] };

  it('lists and re-sends only the dead letters of the caller\'s cameras, recording who re-sent', async () => {
    await service.listDlq(gate, { limit: 5 });
    expect(calls.at(-1)).toEqual(['list', { status: undefined, before: undefined, limit: 6, cameraIds: ['cam_a'] }]);
    await expect(service.retry(gate, 9)).rejects.toMatchObject({ failure: 'not_found', message: 'no dead letter with id 9' });
    expect(calls.at(-1)).toEqual(['requeue', 9, now, 'api_key:gate-gw', ['cam_a']]);
  });

  it('a cursor it did not hand out is invalid', async () => {
    for (const cursor of ['abc', '0', '99999999999999999999', '1e3']) {
      await expect(service.listDlq(gate, { limit: 5, cursor })).rejects.toMatchObject({ failure: 'invalid' });
    }
    await service.listDlq(gate, { limit: 5, cursor: '42' });
    expect(calls.at(-1)).toMatchObject(['list', { before: 42 }]);
  });

  it('shows non-admins a generic reason, never a raw network error (a port scanner otherwise); admins see the cause', async () => {
    const row = (id: number, channel: string, error: string) => ({
      id, delivery_id: id, alert_id: 1, kind: 'alert', recipient: 'guard', channel, target: 'guard', error, retryable: true, attempts: 4,
      status: 'open', created_at: now, retried_at: null, retried_by: null,
    });
    const rows = [row(2, 'push', 'push: push service 10.0.0.5 unreachable: connect ECONNREFUSED 10.0.0.5:5432'), row(1, 'webhook', 'webhook ops answered HTTP 503')];
    const listing = notificationService({ listDlq: async () => rows } as unknown as NotificationRepo);
    const operator = await listing.listDlq({ kind: 'user', id: 1, name: 'op', role: 'operator', cameras: null }, { limit: 5 });
    expect(operator.items.map((i) => i.error)).toEqual(['the push channel could not deliver (an administrator sees the cause)', 'the webhook service answered HTTP 503']);
    expect(JSON.stringify(operator)).not.toMatch(/10\.0\.0\.5|ECONNREFUSED|5432/);
    const admin = await listing.listDlq({ kind: 'user', id: 2, name: 'boss', role: 'admin', cameras: null }, { limit: 5 });
    expect(admin.items[0]!.error).toContain('ECONNREFUSED 10.0.0.5:5432');
  });
});
