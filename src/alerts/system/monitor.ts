import type { Health } from '../../core/health.ts';
import type { Logger } from '../../core/log.ts';
import type { AlertRepo } from '../../store/repositories/alerts.ts';
import { conditionKey, KIND_NAMES, type Condition, type SystemAlertKind } from './conditions.ts';

/**
 * Health component per kind: /api/v1/system/health shows each family with its reasons. A kind
 * without one is sampled from a part's own health (face_analysis_down from the face stage's).
 */
const HEALTH_COMPONENT: Partial<Record<SystemAlertKind, string>> = {
  video_loss: 'video', dvr_down: 'video', disk_low: 'disk', disk_full_soon: 'disk',
  detector_overloaded: 'detector', analysis_behind: 'analysis', archive_lagging: 'archive', notification_failing: 'notifications',
};
const COMPONENTS = new Set(Object.values(HEALTH_COMPONENT));

export interface SystemAlertMonitorOptions {
  alerts: Pick<AlertRepo, 'raiseSystem' | 'clearSystem' | 'openSystemConditions'>;
  health: Health;
  log: Logger;
  /** every condition that holds now */
  sample: () => Promise<Condition[]>;
  intervalMs: number;
  /** after an alert was written (nudges the outbox relay) */
  onRaised?: () => void;
}

/**
 * Turns sampled conditions into system alerts: raised when a condition starts (one alert while it
 * lasts), resolved by the system when it clears; a warning logged once at the start and a line
 * once at the end; health degraded with the reasons meanwhile. Alerts left open by an earlier run
 * are taken over, so a restart neither duplicates nor forgets them.
 */
export class SystemAlertMonitor {
  private active = new Map<string, Condition>();
  private adopted: Set<string> | null = null;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: SystemAlertMonitorOptions) {}

  start(): void {
    for (const component of COMPONENTS) this.o.health.set(component, 'healthy');
    this.timer = setInterval(() => void this.check(), this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** one round; rounds never overlap */
  check(): Promise<void> {
    this.running = this.running.then(() => this.round()).catch((err: unknown) => this.o.log.warn({ err }, 'system conditions not checked this round'));
    return this.running;
  }

  private async round(): Promise<void> {
    this.adopted ??= new Set(await this.o.alerts.openSystemConditions());
    const now = new Map((await this.o.sample()).map((c) => [conditionKey(c), c]));
    for (const [key, c] of now) {
      if (!this.active.has(key)) {
        this.o.log.warn({ condition: key, camera_id: c.cameraId, severity: c.severity }, c.title);
      }
      if (!this.active.has(key) || this.adopted.has(key)) {
        const r = await this.o.alerts.raiseSystem({ conditionKey: key, kind: c.kind, kindName: KIND_NAMES[c.kind], cameraId: c.cameraId, severity: c.severity, title: c.title, details: c.details, at: new Date() });
        if (r.created) this.o.onRaised?.();
        this.adopted.delete(key);
      }
      this.active.set(key, c);
    }
    const cleared = [...this.active.keys(), ...this.adopted].filter((key) => !now.has(key));
    for (const key of cleared) {
      const was = this.active.get(key);
      await this.o.alerts.clearSystem(key, was ? `cleared: ${was.title}` : 'cleared while Vigil was not running');
      if (was) this.o.log.info({ condition: key, camera_id: was.cameraId }, `cleared: ${was.title}`);
      this.active.delete(key);
      this.adopted.delete(key);
    }
    this.reportHealth();
  }

  private reportHealth(): void {
    const reasons = new Map<string, string[]>();
    for (const c of this.active.values()) {
      const component = HEALTH_COMPONENT[c.kind];
      if (component) reasons.set(component, [...(reasons.get(component) ?? []), c.title]);
    }
    for (const component of COMPONENTS) {
      const r = reasons.get(component);
      this.o.health.set(component, r ? 'degraded' : 'healthy', r?.join('; '));
    }
  }

  /** the conditions that hold, as of the last round */
  conditions(): Condition[] {
    return [...this.active.values()];
  }
}
