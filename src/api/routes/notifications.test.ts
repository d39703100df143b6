import { describe, expect, it } from 'vitest';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import type { DlqRow, Repositories } from '../../store/repositories/index.ts';
import type { Actor } from '../contract/actor.ts';
import type { Role } from '../contract/permissions.ts';
import { buildApi } from '../server.ts';

const row = (id: number, channel: string, error: string) => ({
  id, delivery_id: id, alert_id: 1, kind: 'alert', recipient: 'guard', channel, target: 'guard', error, retryable: true, attempts: 4,
  status: 'open', created_at: new Date('2026-01-01T00:00:00Z'), retried_at: null,
}) as unknown as DlqRow;

const rows = [
  row(2, 'push', 'push: push service 10.0.0.5 unreachable: connect ECONNREFUSED 10.0.0.5:5432'),
  row(1, 'webhook', 'webhook ops answered HTTP 503'),
];

function build(role: Role) {
  const actor: Actor = { kind: 'user', id: 1, name: role, role, cameras: null, routes: null };
  return buildApi({
    cameras: [], repos: { notifications: { listDlq: async () => rows } } as unknown as Repositories, objects: {} as Objects,
    store: {} as Store, health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger, status: () => undefined,
    authenticate: async () => actor,
  });
}

describe('dead letters', () => {
  it('show operators a generic reason, never a raw network error; admins see the cause', async () => {
    const operator = (await build('operator').inject('/api/v1/notifications/dlq')).json();
    expect(operator.items.map((i: { error: string }) => i.error)).toEqual([
      'the push channel could not deliver (an administrator sees the cause)',
      'the webhook service answered HTTP 503',
    ]);
    expect(JSON.stringify(operator)).not.toMatch(/10\.0\.0\.5|ECONNREFUSED|5432/);
    const admin = (await build('admin').inject('/api/v1/notifications/dlq')).json();
    expect(admin.items[0].error).toContain('ECONNREFUSED 10.0.0.5:5432');
  });
});
