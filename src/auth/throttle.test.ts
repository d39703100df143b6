import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/fixtures/log-lines.ts';
import { createMemoryCache } from '../cache/memory.ts';
import { LoginThrottle, type LoginBurst } from './throttle.ts';

const OPTIONS = { accountFreeFailures: 3, ipFreeFailures: 10, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, burstFailures: 5 };

/** A throttle and its cache on one clock the test moves. */
function setup() {
  const { log, lines } = logLines();
  const bursts: LoginBurst[] = [];
  const ended: LoginBurst[] = [];
  const clock = { now: 0 };
  const now = () => clock.now;
  const t = new LoginThrottle(OPTIONS, createMemoryCache({ now }), log, { onBurst: (b) => bursts.push(b), onBurstEnd: (b) => ended.push(b) }, now);
  return { t, lines, bursts, ended, clock };
}

describe('login throttle', () => {
  it('lets the first failures through, then doubles the wait per failure up to the cap', async () => {
    const { t, clock } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      waits.push(await t.retryAfterMs('alice', '10.0.0.1'));
      clock.now += waits.at(-1)!;
      await t.failure('alice', '10.0.0.1');
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
    expect(await t.retryAfterMs('alice', '10.0.0.1')).toBe(8000);
    // another account from another address is untouched
    expect(await t.retryAfterMs('bob', '10.0.0.2')).toBe(0);
    await t.success('alice');
    expect(await t.retryAfterMs('alice', '10.0.0.2')).toBe(0);
  });

  it('counts per IP across accounts (a password spray)', async () => {
    const { t, clock } = setup();
    for (let i = 0; i < 10; i++) {
      clock.now = i;
      await t.failure(`user${i}`, '10.0.0.9');
    }
    clock.now = 10;
    expect(await t.retryAfterMs('someone-else', '10.0.0.9')).toBeGreaterThan(0);
    expect(await t.retryAfterMs('someone-else', '10.0.0.8')).toBe(0);
  });

  it('forgets failures that long apart, and keeps them while they come', async () => {
    const { t, clock } = setup();
    for (let i = 0; i < 3; i++) {
      clock.now += 50_000;
      await t.failure('dave', '10.0.0.4');
    }
    // three failures 50 s apart: each kept the count alive, the third one waits
    expect(await t.retryAfterMs('dave', '10.0.0.5')).toBe(1000);
    clock.now += 61_000;
    await t.failure('dave', '10.0.0.4');
    expect(await t.retryAfterMs('dave', '10.0.0.5')).toBe(0);
  });

  it('logs and reports a burst once when it starts and once when it ends', async () => {
    const { t, lines, bursts, ended, clock } = setup();
    for (let i = 0; i < 8; i++) {
      clock.now = i * 10;
      await t.failure('alice', '10.0.0.1');
    }
    // the account and the address it came from (counted side by side: in either order)
    const byKey = (list: LoginBurst[]) => [...list].sort((a, b) => a.key.localeCompare(b.key));
    expect(byKey(bursts)).toEqual([{ key: 'account:alice', username: 'alice', ip: undefined, failures: 5 }, { key: 'ip:10.0.0.1', username: undefined, ip: '10.0.0.1', failures: 5 }]);
    expect(lines.filter((l) => l.includes('burst:'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('burst:') && l.includes('account'))).toContain('alice');
    // quiet for longer than forgetAfterMs (and past the lock): the burst is over
    clock.now = 200_000;
    await t.retryAfterMs('carol', '10.0.0.3');
    expect(byKey(ended)).toEqual([{ key: 'account:alice', username: 'alice', ip: undefined, failures: 8 }, { key: 'ip:10.0.0.1', username: undefined, ip: '10.0.0.1', failures: 8 }]);
    expect(lines.filter((l) => l.includes('burst ended'))).toHaveLength(2);
    await t.retryAfterMs('carol', '10.0.0.3');
    expect(ended).toHaveLength(2);
  });

  it('ends an account\'s burst when it signs in', async () => {
    const { t, ended } = setup();
    for (let i = 0; i < 5; i++) await t.failure('erin', '10.0.0.6');
    await t.success('erin');
    expect(ended.map((b) => b.key)).toEqual(['account:erin']);
  });

  it('refuses sign-in with 503 and its cause while the cache does not answer, rather than a server error', async () => {
    const { log } = logLines();
    const cache = createMemoryCache();
    const down = new Proxy(cache, { get: (c, p) => (typeof c[p as keyof typeof c] === 'function' ? () => Promise.reject(new Error('connection refused')) : c[p as keyof typeof c]) });
    const t = new LoginThrottle(OPTIONS, down, log);
    for (const attempt of [() => t.retryAfterMs('alice', '10.0.0.1'), () => t.failure('alice', '10.0.0.1'), () => t.success('alice')]) {
      await expect(attempt()).rejects.toMatchObject({ failure: 'unavailable', message: expect.stringMatching(/login throttle.*cache.*do not answer/) });
    }
  });
});
