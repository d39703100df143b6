import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/fixtures/log-lines.ts';
import { LoginThrottle, type LoginBurst } from './throttle.ts';

const OPTIONS = { accountFreeFailures: 3, ipFreeFailures: 10, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, burstFailures: 5 };

function setup() {
  const { log, lines } = logLines();
  const bursts: LoginBurst[] = [];
  const ended: LoginBurst[] = [];
  const t = new LoginThrottle(OPTIONS, log, { onBurst: (b) => bursts.push(b), onBurstEnd: (b) => ended.push(b) });
  return { t, lines, bursts, ended };
}

describe('login throttle', () => {
  it('lets the first failures through, then doubles the wait per failure up to the cap', () => {
    const { t } = setup();
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      waits.push(t.retryAfterMs('alice', '10.0.0.1', now));
      now += waits.at(-1)!;
      t.failure('alice', '10.0.0.1', now);
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
    expect(t.retryAfterMs('alice', '10.0.0.1', now)).toBe(8000);
    // another account from another address is untouched
    expect(t.retryAfterMs('bob', '10.0.0.2', now)).toBe(0);
    t.success('alice');
    expect(t.retryAfterMs('alice', '10.0.0.2', now)).toBe(0);
  });

  it('counts per IP across accounts (a password spray)', () => {
    const { t } = setup();
    for (let i = 0; i < 10; i++) t.failure(`user${i}`, '10.0.0.9', i);
    expect(t.retryAfterMs('someone-else', '10.0.0.9', 10)).toBeGreaterThan(0);
    expect(t.retryAfterMs('someone-else', '10.0.0.8', 10)).toBe(0);
  });

  it('logs and reports a burst once when it starts and once when it ends', () => {
    const { t, lines, bursts, ended } = setup();
    for (let i = 0; i < 8; i++) t.failure('alice', '10.0.0.1', i * 10);
    // the account and the address it came from
    expect(bursts).toEqual([{ key: 'account:alice', username: 'alice', ip: undefined, failures: 5 }, { key: 'ip:10.0.0.1', username: undefined, ip: '10.0.0.1', failures: 5 }]);
    expect(lines.filter((l) => l.includes('burst:'))).toHaveLength(2);
    expect(lines[0]).toContain('alice');
    // quiet for longer than forgetAfterMs (and past the lock): the burst is over
    t.retryAfterMs('carol', '10.0.0.3', 200_000);
    expect(ended.map((b) => b.key)).toEqual(['account:alice', 'ip:10.0.0.1']);
    expect(lines.filter((l) => l.includes('burst ended'))).toHaveLength(2);
  });
});
