import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log.ts';
import type { LeaseRepo } from '../store/repositories/leases.ts';

/** Starts a duty for one term of leadership; resolves to what ends that term's work. */
export type StartDuty = () => Promise<() => Promise<void>>;

export interface LeadershipOptions {
  /** how long a lease lasts without renewal: the longest a fleet goes without the duty after its leader dies */
  ttlMs: number;
  /** this process's name in the leases table (default host:pid:random) */
  holder?: string;
}

export interface Led {
  /** true while this process holds the lease and its duty runs */
  leading(): boolean;
  /** ends the duty (when it runs here) and hands the lease back at once */
  stop(): Promise<void>;
}

/**
 * Runs duties of which a fleet must run exactly one at a time (the outbox relay, the escalation
 * scheduler, event partition upkeep) in whichever process holds the duty's lease. Every process
 * that could run a duty tries to take its lease every third of the lease's life; the holder renews
 * it as often. A holder that cannot renew (the database unreachable, the process paused) stops the
 * duty before its lease can have expired in the database, so two processes never run it together
 * while the clocks of the processes run at the same rate; a successor starts it once the lease has
 * expired. On stop, the holder releases the lease so a successor takes over at its next try.
 */
export class Leadership {
  private readonly holder: string;

  constructor(
    private readonly leases: LeaseRepo,
    private readonly log: Logger,
    private readonly opts: LeadershipOptions,
  ) {
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Takes part in the election for `lease` (a first try before it resolves), running `start`'s duty while leading. */
  async lead(lease: string, start: StartDuty): Promise<Led> {
    const { ttlMs } = this.opts;
    const log = this.log.child({ lease, holder: this.holder });
    let term: { epoch: number; renewedFrom: number; end: () => Promise<void> } | null = null;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let turn = Promise.resolve();

    const demote = async (why: string): Promise<void> => {
      const ending = term!;
      term = null;
      log.warn({ epoch: ending.epoch }, `leadership ended: ${why}; the duty stops here`);
      await ending.end().catch((err: unknown) => log.error({ err }, 'duty did not stop cleanly'));
    };
    const tryOnce = async (): Promise<void> => {
      if (stopped) return;
      const asked = Date.now();
      if (term) {
        const renewed = await this.leases.renew(lease, this.holder, term.epoch, ttlMs).catch((err: unknown) => {
          log.warn({ err }, 'lease renewal failed');
          return null;
        });
        if (renewed) term.renewedFrom = asked;
        else if (renewed === false) await demote('the lease expired before it was renewed');
        // the database's expiry counts from a moment after the last renewal was asked: stop before it can have passed
        else if (Date.now() - term.renewedFrom >= (ttlMs * 2) / 3) await demote('the lease could not be renewed in time');
        return;
      }
      const grant = await this.leases.acquire(lease, this.holder, ttlMs).catch((err: unknown) => {
        log.warn({ err }, 'lease election failed');
        return null;
      });
      if (!grant || stopped) return;
      try {
        term = { epoch: grant.epoch, renewedFrom: asked, end: await start() };
        log.info({ epoch: grant.epoch }, 'leadership taken: the duty runs here');
      } catch (err) {
        log.error({ err }, 'duty did not start; the lease is handed back');
        await this.leases.release(lease, this.holder, grant.epoch).catch(() => undefined);
      }
    };
    const tick = (): void => {
      turn = turn.then(tryOnce).finally(() => {
        if (!stopped) timer = setTimeout(tick, ttlMs / 3);
      });
    };
    await tryOnce();
    if (!stopped) timer = setTimeout(tick, ttlMs / 3);
    return {
      leading: () => term !== null,
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await turn;
        if (!term) return;
        const { epoch, end } = term;
        term = null;
        await end();
        await this.leases.release(lease, this.holder, epoch).catch((err: unknown) => log.warn({ err }, 'lease not released; a successor waits for it to expire'));
      },
    };
  }
}
