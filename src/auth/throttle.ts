import type { Cache } from '../cache/port.ts';
import { unavailable } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export interface ThrottleOptions {
  /** failures of one account before each further attempt waits */
  accountFreeFailures: number;
  /** failures from one IP (any accounts) before each further attempt waits */
  ipFreeFailures: number;
  /** the first wait; each further failure doubles it, up to maxDelayMs */
  baseDelayMs: number;
  maxDelayMs: number;
  /** failures this far apart are unrelated: the count starts again */
  forgetAfterMs: number;
  /** this many failures of one account or IP is a burst: logged and alerted once */
  burstFailures: number;
}

/** A burst of failed logins against one account or from one IP. */
export interface LoginBurst {
  key: string;
  username?: string;
  ip?: string;
  failures: number;
}

/** A burst under way, as kept in the cache until it ends. */
interface OpenBurst extends LoginBurst {
  startedAt: number;
}

const failuresKey = (key: string): string => `login:failures:${key}`;
const lockKey = (key: string): string => `login:locked:${key}`;
const BURSTS = 'login:bursts';

/**
 * Brute-force protection: per account and per IP, the first few failures are free, then each
 * attempt waits exponentially longer (refused with 429 and Retry-After meanwhile). A burst is
 * logged once when it starts (username and IP, never a password) and once when it ends, and
 * reported to `onBurst` (a system alert) so an operator hears about it.
 *
 * The counts live in the cache, so every API replica sharing it (Redis) counts the same failures:
 * guessing passwords across replicas is slowed down as much as against one. Exactly one replica
 * sees a count reach the burst size, so a burst starts once; its end is claimed with a lease, so
 * it ends once, on whichever replica notices first.
 */
export class LoginThrottle {
  constructor(
    private readonly o: ThrottleOptions,
    private readonly cache: Cache,
    private readonly log: Logger,
    private readonly events: { onBurst?: (b: LoginBurst) => void; onBurstEnd?: (b: LoginBurst) => void } = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** milliseconds until this username/IP may try again; 0 = now */
  retryAfterMs(username: string, ip: string): Promise<number> {
    return this.failClosed(async () => {
      await this.endQuietBursts();
      const locks = await Promise.all([accountKey(username), ipKey(ip)].map((k) => this.cache.get<number>(lockKey(k))));
      const now = this.now();
      return Math.max(0, ...locks.map((until) => (until ?? 0) - now));
    });
  }

  failure(username: string, ip: string): Promise<void> {
    return this.failClosed(async () => {
      await this.endQuietBursts();
      await Promise.all([
        this.count(accountKey(username), { username }, this.o.accountFreeFailures),
        this.count(ipKey(ip), { ip }, this.o.ipFreeFailures),
      ]);
    });
  }

  /** a correct password: the account starts afresh (the IP's count stays: one success must not reset a spray) */
  success(username: string): Promise<void> {
    return this.failClosed(async () => {
      const key = accountKey(username);
      await Promise.all([this.cache.del(failuresKey(key)), this.cache.del(lockKey(key))]);
      const burst = await this.cache.hget<OpenBurst>(BURSTS, key);
      if (burst) await this.end(burst);
    });
  }

  /**
   * Without its counts the throttle cannot slow a password guesser down, so sign-in is refused
   * while the cache does not answer: 503 with the cause, not a server error.
   */
  private async failClosed<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch {
      // the cache adapter logs its outage once when it starts and once when it ends
      throw unavailable('sign-in is unavailable: the login throttle\'s shared counts (the cache) do not answer; try again shortly', 'throttle_unavailable');
    }
  }

  private async count(key: string, who: { username?: string; ip?: string }, free: number): Promise<void> {
    // each failure keeps the count alive another forgetAfterMs: it ends after that long without one
    const { count } = await this.cache.incr(failuresKey(key), this.o.forgetAfterMs, { slide: true });
    if (count >= free) {
      const delay = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (count - free));
      await this.cache.set(lockKey(key), this.now() + delay, delay);
    }
    if (count < this.o.burstFailures) return;
    const known = await this.cache.hget<OpenBurst>(BURSTS, key);
    const burst: OpenBurst = { key, ...who, failures: count, startedAt: known?.startedAt ?? this.now() };
    await this.cache.hset(BURSTS, key, burst);
    // the increment that reached the burst size happens once, on one replica
    if (count !== this.o.burstFailures) return;
    this.log.warn({ username: burst.username, ip: burst.ip, failures: count }, `failed logins burst: ${count} failures ${who.username ? `for account ${who.username}` : `from ${who.ip}`}; further attempts are slowed down`);
    this.events.onBurst?.(publicBurst(burst));
  }

  /** A burst is over once its failures are forgotten and its wait has passed. */
  private async endQuietBursts(): Promise<void> {
    const bursts = Object.values(await this.cache.hgetall<OpenBurst>(BURSTS));
    for (const burst of bursts) {
      const [failures, lock] = await Promise.all([this.cache.get(failuresKey(burst.key)), this.cache.get(lockKey(burst.key))]);
      if (failures === undefined && lock === undefined) await this.end(burst);
    }
  }

  private async end(burst: OpenBurst): Promise<void> {
    // replicas noticing the same end at once: one of them reports it
    const claimed = await this.cache.setIfAbsent(`login:burst-ended:${burst.key}:${burst.startedAt}`, true, this.o.forgetAfterMs);
    if (!claimed) return;
    await this.cache.hdel(BURSTS, burst.key);
    this.log.info({ username: burst.username, ip: burst.ip, failures: burst.failures }, `failed logins burst ended ${burst.username ? `for account ${burst.username}` : `from ${burst.ip}`} (${burst.failures} failures)`);
    this.events.onBurstEnd?.(publicBurst(burst));
  }
}

const accountKey = (username: string): string => `account:${username.toLowerCase()}`;
const ipKey = (ip: string): string => `ip:${ip}`;
const publicBurst = (b: OpenBurst): LoginBurst => ({ key: b.key, username: b.username, ip: b.ip, failures: b.failures });
