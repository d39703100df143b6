import { describe, expect, it, vi } from 'vitest';
import { useTestRepositories } from '../../test/fixtures/test-repos.ts';
import { createLogger } from '../core/log.ts';
import type { LeaseRepo } from '../store/repositories/leases.ts';
import { Leadership, type StartDuty } from './leadership.ts';

const log = createLogger('silent');
const TTL_MS = 1500;

/** A lease repository that a test can cut off from the database, as a network partition would. */
function cuttable(leases: LeaseRepo): { repo: LeaseRepo; cut(): void } {
  let cut = false;
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    if (cut) throw new Error('database unreachable');
    return f(...a);
  };
  return {
    repo: { acquire: guard(leases.acquire), renew: guard(leases.renew), release: guard(leases.release), get: guard(leases.get) },
    cut: () => { cut = true; },
  };
}

/** A duty that records when each process starts and stops it. */
function recorded(timeline: string[], who: string): StartDuty {
  return async () => {
    timeline.push(`start ${who}`);
    return async () => { timeline.push(`stop ${who}`); };
  };
}

describe('leadership', () => {
  const db = useTestRepositories('leadership');

  it('one of two processes runs the duty; when it stops, the other takes the lease over with a new epoch', async () => {
    const timeline: string[] = [];
    const a = await new Leadership(db.repos.leases, log, { ttlMs: TTL_MS, holder: 'a' }).lead('relay-1', recorded(timeline, 'a'));
    const b = await new Leadership(db.repos.leases, log, { ttlMs: TTL_MS, holder: 'b' }).lead('relay-1', recorded(timeline, 'b'));
    expect([a.leading(), b.leading()]).toEqual([true, false]);
    const first = await db.repos.leases.get('relay-1');
    await a.stop();
    await vi.waitFor(() => expect(b.leading()).toBe(true), { timeout: 10 * TTL_MS, interval: 50 });
    const second = await db.repos.leases.get('relay-1');
    expect(second).toMatchObject({ holder: 'b', epoch: first!.epoch + 1 });
    await b.stop();
    expect(timeline).toEqual(['start a', 'stop a', 'start b', 'stop b']);
  });

  it('a leader cut off from the database stops its duty before a successor starts it', async () => {
    const timeline: string[] = [];
    const link = cuttable(db.repos.leases);
    const a = await new Leadership(link.repo, log, { ttlMs: TTL_MS, holder: 'a' }).lead('relay-2', recorded(timeline, 'a'));
    const b = await new Leadership(db.repos.leases, log, { ttlMs: TTL_MS, holder: 'b' }).lead('relay-2', recorded(timeline, 'b'));
    expect(a.leading()).toBe(true);
    link.cut();
    await vi.waitFor(() => expect(b.leading()).toBe(true), { timeout: 10 * TTL_MS, interval: 50 });
    expect(a.leading()).toBe(false);
    expect(timeline).toEqual(['start a', 'stop a', 'start b']);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a holder takes its own unexpired lease back at once (the one box after a restart); another holder waits', async () => {
    await db.repos.leases.acquire('relay-3', 'one-box', 60_000);
    const other = await new Leadership(db.repos.leases, log, { ttlMs: 60_000, holder: 'other' }).lead('relay-3', recorded([], 'other'));
    expect(other.leading()).toBe(false);
    const again = await new Leadership(db.repos.leases, log, { ttlMs: 60_000, holder: 'one-box' }).lead('relay-3', recorded([], 'one-box'));
    expect(again.leading()).toBe(true);
    await Promise.all([other.stop(), again.stop()]);
  });

  it('a duty that fails to start hands the lease back', async () => {
    const failing = await new Leadership(db.repos.leases, log, { ttlMs: 60_000, holder: 'a' }).lead('relay-4', () => Promise.reject(new Error('no bus')));
    expect(failing.leading()).toBe(false);
    const next = await new Leadership(db.repos.leases, log, { ttlMs: 60_000, holder: 'b' }).lead('relay-4', recorded([], 'b'));
    expect(next.leading()).toBe(true);
    await Promise.all([failing.stop(), next.stop()]);
  });
});
