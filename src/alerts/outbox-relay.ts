import type { Bus } from '../bus/port.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { AlertRepo } from '../store/repositories/alerts.ts';
import { systemClock, type Clock } from './clock.ts';
import { alertMessage } from './outbox-message.ts';

export interface OutboxRelayOptions {
  /** absolute base of the links in alert messages (api.public_url), e.g. http://127.0.0.1:8080 */
  publicUrl: string;
  /** pause between passes when idle, and after a failed pass */
  intervalMs?: number;
  clock?: Clock;
}

/**
 * Publishes outbox rows in id order and marks them published; relays of several processes take
 * turns, each row published once. A bus failure stops the pass at the failing row, which is
 * retried next pass: at-least-once, order kept (consumers dedupe by alert_id and kind). `nudge()` after a write starts a pass at once instead of at the next tick.
 */
export class OutboxRelay {
  private stopped = false;
  private running: Promise<void> | null = null;
  private again = false;
  private cancelTimer: (() => void) | null = null;
  private readonly intervalMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly bus: Bus,
    private readonly alerts: AlertRepo,
    private readonly log: Logger,
    private readonly opts: OutboxRelayOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    this.nudge();
  }

  /** runs a pass now (or right after the one in progress) */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.cancelTimer?.();
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.nudge();
      } else {
        this.cancelTimer = this.clock.after(this.intervalMs, () => this.nudge());
      }
    });
  }

  /**
   * One full pass until the outbox is empty, a publish fails or another process's relay is
   * publishing (it goes on until the outbox is empty); returns rows published.
   */
  async pass(): Promise<number> {
    let published = 0;
    for (;;) {
      let failed = false;
      // each row is marked as it is published: a crash after a publish re-publishes at most that row
      const outcome = await this.alerts.publishNextOutbox(async (row) => {
        try {
          await this.bus.publish(row.topic, row.key, alertMessage(row.payload, this.opts.publicUrl));
        } catch (err) {
          failed = true;
          this.log.warn({ err, outboxId: row.id, topic: row.topic }, 'outbox publish failed; retried next pass');
          throw err;
        }
      }, () => this.clock.now()).catch((err: unknown) => {
        if (failed) return 'failed' as const;
        throw err;
      });
      if (outcome !== 'published') break;
      published++;
    }
    await this.updateBacklog();
    return published;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      await this.pass();
    } catch (err) {
      this.log.warn({ err }, 'outbox relay pass failed (store unavailable?); retrying');
    }
  }

  private async updateBacklog(): Promise<void> {
    metrics.outboxBacklog.set(await this.alerts.outboxBacklog());
  }
}
