import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { SEVERITIES } from '../analytics/rules/types.ts';
import type { AlertRepo } from '../store/repositories/alerts.ts';
import { systemClock, type Clock } from './clock.ts';

export interface EscalationOptions {
  /** an unacknowledged critical alert this old is escalated */
  afterMinutes: number;
  /** recorded as escalated_to; the notifier sends escalations to the admin recipients */
  to: string;
  checkIntervalMs?: number;
  clock?: Clock;
  /** called after escalations were written (nudges the outbox relay) */
  onEscalated?: () => void;
}

/**
 * Escalates unacknowledged critical alerts once, after `afterMinutes`. All state is in the
 * database (escalated_at), so a restart neither forgets nor repeats an escalation. Each check
 * also refreshes alerts_active{severity}.
 */
export class EscalationScheduler {
  private cancel: (() => void) | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private readonly clock: Clock;
  private readonly intervalMs: number;

  constructor(
    private readonly alerts: AlertRepo,
    private readonly log: Logger,
    private readonly opts: EscalationOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.intervalMs = opts.checkIntervalMs ?? 30_000;
  }

  start(): void {
    this.schedule(0);
  }

  /** one check; returns the ids escalated now */
  async check(): Promise<number[]> {
    const now = this.clock.now();
    const due = await this.alerts.pendingEscalations(now, this.opts.afterMinutes);
    const escalated: number[] = [];
    for (const a of due) {
      if (await this.alerts.escalate(a.id, now, this.opts.to)) {
        escalated.push(a.id);
        this.log.warn({ alertId: a.id, camera_id: a.camera_id, rule: a.rule_id, createdAt: a.created_at }, `critical alert unacknowledged for ${this.opts.afterMinutes} min: escalated to ${this.opts.to}`);
      }
    }
    if (escalated.length) this.opts.onEscalated?.();
    const active = await this.alerts.activeCounts();
    for (const s of SEVERITIES) metrics.alertsActive.set({ severity: s }, active[s] ?? 0);
    return escalated;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.clock.after(ms, () => {
      this.running = this.check()
        .catch((err: unknown) => this.log.warn({ err }, 'escalation check failed; retrying'))
        .finally(() => {
          this.running = null;
          this.schedule(this.intervalMs);
        });
    });
  }
}
