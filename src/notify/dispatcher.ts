import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { redact } from '../core/redact.ts';
import { backoffDelay } from '../core/backoff.ts';
import type { DeliveryRow, DlqRow, NotificationRepo } from '../store/repositories/notifications.ts';

/** Sends one delivery; throws on failure. An error with `retryable: false` (ChannelError) is not retried. */
export type Deliver = (d: DeliveryRow) => Promise<void>;

export interface DispatcherOptions {
  repo: NotificationRepo;
  /** by channel name (email, sms, push, webhook, mqtt, local_alarm) */
  senders: Record<string, Deliver>;
  retry: { maxRetries: number; baseMs: number; maxMs: number };
  recovery: { probeMs: number; maxAgeMs: number };
  log: Logger;
  /** a delivery was dead-lettered for the first time (publish it on notifications.dlq) */
  onDead?: (dlq: DlqRow, d: DeliveryRow) => Promise<void>;
  /** injected for tests */
  now?: () => Date;
  random?: () => number;
  /** how often the table is checked for deliveries re-queued elsewhere (the API's retry action); default 1 s */
  pollMs?: number;
  /** a claimed delivery is not taken again (by this or another notifier) for this long; default 2 min */
  leaseMs?: number;
}

const BATCH = 20;
const JITTER = 0.2;

/**
 * Sends the due deliveries of the table, each on its own (a slow or failing channel never holds
 * the others), with retries from the table: a failed attempt is recorded with its next time, so
 * neither the bus consumer nor a restart loses or repeats it. After the retries, a dead letter.
 *
 * Recovery (seed §8.5, "alerts stay queued and are delivered when it recovers"): a channel with
 * open retryable dead letters gets one of them re-sent every `probeMs`; when any delivery on that
 * channel goes through, its other dead letters younger than `maxAgeMs` are re-queued. Older ones
 * wait for the API's retry action.
 */
export class Dispatcher {
  private readonly now: () => Date;
  private readonly inflight = new Set<Promise<void>>();
  /** channels whose last attempt here failed: their next success re-queues their dead letters */
  private readonly failing = new Set<string>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    this.started = true;
    this.wake();
    this.probeTimer = setInterval(() => void this.probe().catch((err: unknown) => this.o.log.warn({ err }, 'notification recovery probe failed')), this.o.recovery.probeMs);
    this.probeTimer.unref();
  }

  /** look for due deliveries now (new ones were enqueued); before start() only runDue() sends */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => this.o.log.warn({ err }, 'notification dispatch failed; retrying shortly'))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.schedule();
      });
  }

  /** sends everything due now and waits for the sends (tests; with an injected clock) */
  async runDue(): Promise<void> {
    for (;;) {
      await this.pumping;
      const claimed = await this.claimAndSend();
      await Promise.all([...this.inflight]);
      if (claimed === 0 && this.inflight.size === 0) return;
    }
  }

  /** one dead letter per failing channel is re-sent (with a fresh retry budget) */
  async probe(): Promise<void> {
    const now = this.now();
    for (const channel of await this.o.repo.channelsWithOpenDlq(new Date(now.getTime() - this.o.recovery.maxAgeMs))) {
      const [oldest] = await this.o.repo.openDlq(channel, new Date(now.getTime() - this.o.recovery.maxAgeMs), 1);
      if (!oldest) continue;
      this.failing.add(channel);
      await this.o.repo.requeueDlq(oldest.id, now);
      this.o.log.info({ channel, dlq_id: oldest.id }, 'probing a failing notification channel with one dead letter');
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.probeTimer);
    await this.pumping;
    await Promise.all([...this.inflight]);
  }

  private async pump(): Promise<void> {
    while (!this.stopped && (await this.claimAndSend()) === BATCH);
  }

  private async claimAndSend(): Promise<number> {
    const now = this.now();
    const rows = await this.o.repo.claimDue(now, new Date(now.getTime() + (this.o.leaseMs ?? 120_000)), BATCH);
    for (const d of rows) {
      const p = this.attempt(d).catch((err: unknown) => this.o.log.error({ err, delivery_id: d.id }, 'could not record a notification attempt; it is sent again after its lease'));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
    return rows.length;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const poll = this.o.pollMs ?? 1000;
    void this.o.repo.nextDue().then(
      (due) => {
        if (this.stopped) return;
        const wait = due ? Math.min(poll, Math.max(0, due.getTime() - this.now().getTime())) : poll;
        this.timer = setTimeout(() => this.wake(), wait);
        this.timer.unref();
      },
      (err: unknown) => {
        this.o.log.warn({ err }, 'notification queue unreadable; retrying');
        this.timer = setTimeout(() => this.wake(), poll);
        this.timer.unref();
      },
    );
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const log = this.o.log.child({ delivery_id: d.id, alert_id: d.alert_id, channel: d.channel, recipient: d.recipient });
    const send = this.o.senders[d.channel];
    try {
      if (!send) throw Object.assign(new Error(`channel ${d.channel} is not configured`), { retryable: false });
      await send(d);
    } catch (err) {
      await this.failed(d, err, log);
      return;
    }
    await this.o.repo.markSent(d.id, this.now());
    metrics.notifications.inc({ channel: d.channel, outcome: 'sent' });
    log.info({ attempts: d.attempts + 1 }, 'notification sent');
    if (this.failing.delete(d.channel)) await this.recovered(d.channel);
  }

  private async failed(d: DeliveryRow, err: unknown, log: Logger): Promise<void> {
    const error = redact(err instanceof Error ? err.message : String(err));
    const retryable = (err as { retryable?: unknown } | null)?.retryable !== false;
    this.failing.add(d.channel);
    const now = this.now();
    if (retryable && d.attempts < this.o.retry.maxRetries) {
      const delay = backoffDelay(d.attempts, { initialMs: this.o.retry.baseMs, maxMs: this.o.retry.maxMs, jitter: JITTER }, (this.o.random ?? Math.random)());
      await this.o.repo.markFailed(d.id, error, new Date(now.getTime() + delay), now);
      metrics.notifications.inc({ channel: d.channel, outcome: 'retry' });
      log.warn({ error, attempt: d.attempts + 1, retry_in_ms: delay }, 'notification failed; will retry');
      return;
    }
    const { dlq, created } = await this.o.repo.markDead(d.id, error, retryable, now);
    metrics.notifications.inc({ channel: d.channel, outcome: 'dead' });
    log.error({ error, attempts: d.attempts + 1, retryable, dlq_id: dlq.id }, 'notification dead-lettered');
    if (created) await this.o.onDead?.(dlq, d);
  }

  private async recovered(channel: string): Promise<void> {
    const now = this.now();
    const letters = await this.o.repo.openDlq(channel, new Date(now.getTime() - this.o.recovery.maxAgeMs), 1000);
    for (const q of letters) await this.o.repo.requeueDlq(q.id, now);
    if (letters.length) {
      this.o.log.info({ channel, requeued: letters.length }, 'notification channel recovered; dead letters re-queued');
      this.wake();
    }
  }
}
