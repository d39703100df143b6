import type { Bus, Subscription } from '../bus/port.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS, type AlertMessage } from '../core/types.ts';
import type { DeliveryRow, DlqRow, NotificationRepo } from '../store/repositories/notifications.ts';
import type { NotificationsConfig, RecipientConfig } from './config.ts';
import { Dispatcher, type Deliver } from './dispatcher.ts';
import { localAlarmSender } from './local-alarm.ts';
import { LOCAL_ALARM, routesFor } from './routing.ts';

export const NOTIFY_GROUP = 'notify';

/** Payload on `notifications.dlq` (key camera_id); the row itself is in notification_dlq. */
export interface NotificationDlqMessage {
  dlq_id: number;
  delivery_id: number;
  alert_id: number;
  camera_id: string;
  kind: AlertMessage['kind'];
  recipient: string;
  channel: string;
  target: string;
  error: string;
  retryable: boolean;
  attempts: number;
  created_at: string;
}

export interface NotifierOptions {
  bus: Bus;
  repo: NotificationRepo;
  config: NotificationsConfig;
  /** the recipients in force, read for every alert message (they are edited while Vigil runs); default config.recipients */
  recipients?: () => readonly RecipientConfig[];
  /** channel senders (email, sms, push, webhook, mqtt); the local alarm comes from config.local_alarm */
  senders: Record<string, Deliver>;
  log: Logger;
  now?: () => Date;
  random?: () => number;
  pollMs?: number;
}

/**
 * The notifier: consumes alerts.critical (group `notify`), records one delivery per recipient
 * and channel (rate limits decided there), and commits the offset once they are durable; the
 * dispatcher sends them. A redelivered message finds its rows and sends nothing again.
 */
export class Notifier {
  readonly dispatcher: Dispatcher;
  private sub: Subscription | undefined;
  private readonly now: () => Date;
  /** rule|kind|severity combinations already logged as having no recipient */
  private readonly unrouted = new Set<string>();

  constructor(private readonly o: NotifierOptions) {
    this.now = o.now ?? (() => new Date());
    const { retry, recovery, local_alarm: alarm } = o.config;
    this.dispatcher = new Dispatcher({
      repo: o.repo, log: o.log, now: o.now, random: o.random, pollMs: o.pollMs,
      senders: alarm ? { ...o.senders, [LOCAL_ALARM]: localAlarmSender(alarm.command, alarm.timeout_seconds * 1000) } : o.senders,
      retry: { maxRetries: retry.max_retries, baseMs: retry.base_seconds * 1000, maxMs: retry.max_seconds * 1000 },
      recovery: { probeMs: recovery.probe_seconds * 1000, maxAgeMs: recovery.max_age_hours * 3600_000 },
      onDead: (q, d) => this.publishDead(q, d),
    });
  }

  /** subscribes and starts sending; `dispatch: false` leaves sending to runDue() (tests with a fake clock) */
  async start(opts: { dispatch?: boolean } = {}): Promise<void> {
    await this.o.bus.ensureTopic(TOPICS.alertsCritical);
    await this.o.bus.ensureTopic(TOPICS.notificationsDlq);
    this.sub = await this.o.bus.subscribe<AlertMessage>({
      topic: TOPICS.alertsCritical, group: NOTIFY_GROUP,
      handler: async (rec) => {
        await this.accept(rec.value, opts.dispatch !== false);
      },
    });
    if (opts.dispatch !== false) this.dispatcher.start();
  }

  /** records the deliveries of one alert message (idempotent) */
  async accept(m: AlertMessage, dispatch = true): Promise<DeliveryRow[]> {
    const routes = routesFor(m, this.o.recipients ? { ...this.o.config, recipients: [...this.o.recipients()] } : this.o.config);
    const created = await this.o.repo.enqueue(m, routes, this.now());
    for (const d of created.filter((r) => r.status === 'suppressed')) {
      metrics.notifications.inc({ channel: d.channel, outcome: 'suppressed' });
      this.o.log.info({ alert_id: m.alert_id, channel: d.channel, recipient: d.recipient, rate_key: d.rate_key }, 'notification suppressed by rate limit');
    }
    if (created.length < routes.length) this.o.log.info({ alert_id: m.alert_id, kind: m.kind, already: routes.length - created.length }, 'alert message seen before; its recorded deliveries are not repeated');
    if (routes.length === 0) this.noRecipient(m);
    if (dispatch) this.dispatcher.wake();
    return created;
  }

  /**
   * An alert nobody is to be told about is normal (a low-severity rule, a camera no recipient
   * watches): said once per rule, kind and severity, then only at debug level.
   */
  private noRecipient(m: AlertMessage): void {
    const fields = { alert_id: m.alert_id, camera_id: m.camera_id, rule_id: m.rule_id, kind: m.kind, severity: m.severity };
    const key = `${m.rule_id}|${m.kind}|${m.severity}`;
    if (this.unrouted.has(key)) {
      this.o.log.debug(fields, 'no recipient for this alert');
      return;
    }
    this.unrouted.add(key);
    this.o.log.info(fields, `no recipient for ${m.kind === 'escalation' ? 'escalations' : `${m.severity} alerts`} of rule ${m.rule_id}: recorded, not notified (notifications.recipients); said once`);
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
    await this.dispatcher.stop();
  }

  private async publishDead(q: DlqRow, d: DeliveryRow): Promise<void> {
    const msg: NotificationDlqMessage = {
      dlq_id: q.id, delivery_id: d.id, alert_id: d.alert_id, camera_id: d.message.camera_id, kind: d.kind, recipient: d.recipient,
      channel: d.channel, target: d.target, error: q.error, retryable: q.retryable, attempts: q.attempts, created_at: q.created_at.toISOString(),
    };
    await this.o.bus.publish(TOPICS.notificationsDlq, d.message.camera_id, msg);
  }
}
