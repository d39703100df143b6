import { describe, expect, it } from 'vitest';
import { rootLogger } from '../core/log.ts';
import type { Objects } from '../objects/port.ts';
import type { AlertFilter, AlertRepo, AlertRow, StatusChange } from '../store/repositories/alerts.ts';
import type { EventRepo } from '../store/repositories/types.ts';
import { alertService } from './service.ts';
import { operator } from './test-fixtures.ts';

const row = (id: number, camera: string): AlertRow => ({
  id, event_id: id * 10, camera_id: camera, rule_id: 'r', rule_name: 'R', rule_type: 'loitering', severity: 'high', status: 'new', night: false, title: 't',
  triggered_at: new Date(0), created_at: new Date(0), updated_at: new Date(0), acked_by: null, acked_at: null, ack_note: null,
  resolved_by: null, resolved_at: null, resolve_note: null, false_positive: false, escalated_at: null, escalated_to: null, snapshot_path: 'x.jpg',
});

// an in-memory repository: the service's checks are what is tested here, the SQL has its own suite
function fakeAlerts() {
  const rows = new Map([[1, row(1, 'cam_a')], [2, row(2, 'cam_b')]]);
  const filters: AlertFilter[] = [];
  const writes: StatusChange[] = [];
  const repo = {
    get: async (id: number) => rows.get(id) ?? null,
    list: async (f: AlertFilter) => {
      filters.push(f);
      return { items: [...rows.values()].filter((a) => !f.cameraIds || f.cameraIds.includes(a.camera_id)), nextCursor: null };
    },
    changeStatus: async (id: number, c: StatusChange, allowed: (before: AlertRow) => void) => {
      const before = rows.get(id);
      if (!before) return null;
      allowed(before);
      writes.push(c);
      const after = { ...before, status: c.to, acked_by: c.by, acked_at: new Date(1000) };
      rows.set(id, after);
      return after;
    },
  } as unknown as AlertRepo;
  return { repo, filters, writes };
}

describe('alert service', () => {
  const setup = () => {
    const f = fakeAlerts();
    return { ...f, alerts: alertService({ alerts: f.repo, events: {} as EventRepo, objects: {} as Objects, log: rootLogger }) };
  };
  const gate = operator('gate', ['cam_a']);

  it('a caller scoped to cam_a lists only cam_a, and asking for cam_b gives an empty page without a query', async () => {
    const { alerts, filters } = setup();
    expect((await alerts.list(gate, { limit: 10 })).items.map((a) => a.camera_id)).toEqual(['cam_a']);
    expect(filters.at(-1)!.cameraIds).toEqual(['cam_a']);
    expect(await alerts.list(gate, { limit: 10, camera: 'cam_b' })).toEqual({ items: [], next_cursor: null });
    expect(filters).toHaveLength(1);
    expect((await alerts.list(operator('admin'), { limit: 10 })).items).toHaveLength(2);
  });

  it('another camera\'s alert is not found, for reading and for every action, and nothing is written', async () => {
    const { alerts, writes } = setup();
    await expect(alerts.get(gate, 2)).rejects.toMatchObject({ failure: 'not_found', message: 'no alert with id 2' });
    await expect(alerts.ack(gate, 2)).rejects.toMatchObject({ failure: 'not_found', message: 'no alert with id 2' });
    await expect(alerts.resolve(gate, 2)).rejects.toMatchObject({ failure: 'not_found' });
    await expect(alerts.falsePositive(gate, 2)).rejects.toMatchObject({ failure: 'not_found' });
    expect(writes).toEqual([]);
  });

  it('records the caller as who acted, with links in the result', async () => {
    const { alerts, writes } = setup();
    const acked = await alerts.ack({ kind: 'api_key', id: 4, name: 'gate-gw', cameras: ['cam_a'] }, 1, 'seen');
    expect(writes).toEqual([{ change: 'ack', to: 'ack', by: 'api_key:gate-gw', byUserId: null, note: 'seen' }]);
    expect(acked).toMatchObject({ acked_by: 'api_key:gate-gw', event_url: '/api/v1/events/10', snapshot_url: '/api/v1/events/10/snapshot' });
    expect(acked).not.toHaveProperty('snapshot_path');
    await alerts.resolve({ kind: 'user', id: 7, name: 'alice', cameras: null }, 2);
    expect(writes.at(-1)).toMatchObject({ by: 'user:alice', byUserId: 7 });
  });

  it('refuses a change the state does not allow as a conflict naming the state', async () => {
    const { alerts } = setup();
    await alerts.ack(gate, 1);
    await expect(alerts.ack(gate, 1)).rejects.toMatchObject({ failure: 'conflict', message: 'alert 1 is acknowledged: cannot acknowledge it (allowed from new)' });
  });
});
