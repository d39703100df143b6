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

interface Entry { failures: number; last: number; lockedUntil: number; burst: boolean; username?: string; ip?: string }

/** Bounds memory under a spray from many addresses: the oldest entries go first. */
const MAX_ENTRIES = 50_000;

/**
 * Brute-force protection: per account and per IP, the first few failures are free, then each
 * attempt waits exponentially longer (refused with 429 and Retry-After meanwhile). A burst is
 * logged once when it starts (username and IP, never a password) and once when it ends, and
 * reported to `onBurst` (a system alert) so an operator hears about it.
 */
export class LoginThrottle {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly o: ThrottleOptions,
    private readonly log: Logger,
    private readonly events: { onBurst?: (b: LoginBurst) => void; onBurstEnd?: (b: LoginBurst) => void } = {},
  ) {}

  /** milliseconds until this username/IP may try again; 0 = now */
  retryAfterMs(username: string, ip: string, now = Date.now()): number {
    this.forgetOld(now);
    const waits = [this.entries.get(accountKey(username)), this.entries.get(ipKey(ip))].map((e) => (e ? e.lockedUntil - now : 0));
    return Math.max(0, ...waits);
  }

  failure(username: string, ip: string, now = Date.now()): void {
    this.forgetOld(now);
    this.count(accountKey(username), { username }, this.o.accountFreeFailures, now);
    this.count(ipKey(ip), { ip }, this.o.ipFreeFailures, now);
  }

  /** a correct password: the account starts afresh (the IP's count stays: one success must not reset a spray) */
  success(username: string): void {
    this.end(accountKey(username));
  }

  private count(key: string, who: { username?: string; ip?: string }, free: number, now: number): void {
    const e = this.entries.get(key) ?? { failures: 0, last: now, lockedUntil: 0, burst: false, ...who };
    this.entries.delete(key);
    e.failures += 1;
    e.last = now;
    if (e.failures >= free) e.lockedUntil = now + Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (e.failures - free));
    this.entries.set(key, e);
    if (!e.burst && e.failures >= this.o.burstFailures) {
      e.burst = true;
      const b = burstOf(key, e);
      this.log.warn({ username: e.username, ip: e.ip, failures: e.failures }, `failed logins burst: ${e.failures} failures ${who.username ? `for account ${who.username}` : `from ${who.ip}`}; further attempts are slowed down`);
      this.events.onBurst?.(b);
    }
    if (this.entries.size > MAX_ENTRIES) this.end(this.entries.keys().next().value!);
  }

  /** entries are kept in order of their last failure, so the walk stops at the first recent one */
  private forgetOld(now: number): void {
    for (const [key, e] of this.entries) {
      if (now - e.last <= this.o.forgetAfterMs) break;
      if (now >= e.lockedUntil) this.end(key);
    }
  }

  private end(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    if (e.burst) {
      this.log.info({ username: e.username, ip: e.ip, failures: e.failures }, `failed logins burst ended ${e.username ? `for account ${e.username}` : `from ${e.ip}`} (${e.failures} failures)`);
      this.events.onBurstEnd?.(burstOf(key, e));
    }
  }
}

const accountKey = (username: string): string => `account:${username.toLowerCase()}`;
const ipKey = (ip: string): string => `ip:${ip}`;
const burstOf = (key: string, e: Entry): LoginBurst => ({ key, username: e.username, ip: e.ip, failures: e.failures });
