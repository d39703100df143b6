import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/fixtures/test-store.ts';
import type { Store } from '../port.ts';
import { pushSubscriptionRepo, type PushSubscriptionRepo } from './push-subscriptions.ts';

describe('push subscriptions repository', () => {
  let dispose: (() => Promise<void>) | undefined;
  let store: Store;
  let repo: PushSubscriptionRepo;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('push-repo'));
    repo = pushSubscriptionRepo(store);
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('stores subscriptions per user, replaces a re-registered endpoint and removes one by endpoint', async () => {
    const t0 = new Date('2025-01-20T10:00:00Z');
    await repo.upsert({ user: 'guard', endpoint: 'https://push.example/a', keys: { p256dh: 'P1', auth: 'A1' }, userAgent: 'Firefox' }, t0);
    await repo.upsert({ user: 'guard', endpoint: 'https://push.example/b', keys: { p256dh: 'P2', auth: 'A2' } }, t0);
    const moved = await repo.upsert({ user: 'boss', endpoint: 'https://push.example/a', keys: { p256dh: 'P3', auth: 'A3' } }, new Date(t0.getTime() + 1000));
    expect(moved).toMatchObject({ user_name: 'boss', p256dh: 'P3', auth: 'A3', user_agent: null, created_at: t0 });
    expect((await repo.listForUser('guard')).map((s) => s.endpoint)).toEqual(['https://push.example/b']);
    expect(await repo.removeEndpoint('https://push.example/b')).toBe(true);
    expect(await repo.removeEndpoint('https://push.example/b')).toBe(false);
    expect(await repo.listForUser('guard')).toEqual([]);
    expect((await repo.listForUser('boss')).map((s) => s.endpoint)).toEqual(['https://push.example/a']);
  });
});
