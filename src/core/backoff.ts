/**
 * Restart delays of seed §4.2.1/§8.2: initial → ×2 each failure → capped, each with ± jitter so
 * that eight channels of one rebooting DVR do not reconnect in lockstep; reset after a success.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** ± fraction, 0–1 */
  jitter: number;
  /** injected for tests; returns [0, 1) */
  random?: () => number;
}

/** Delay before restart number `attempt` (0-based) for a random draw r in [0, 1). */
export function backoffDelay(attempt: number, o: Omit<BackoffOptions, 'random'>, r: number): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 52));
  return Math.round(base * (1 + o.jitter * (2 * r - 1)));
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly o: BackoffOptions) {}

  /** the delay to wait now; each call doubles the next one up to the cap */
  next(): number {
    return backoffDelay(this.attempt++, this.o, (this.o.random ?? Math.random)());
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
