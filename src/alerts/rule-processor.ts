import type { RuleSet } from '../analytics/rules/schema.ts';
import type { RuleTrigger } from '../analytics/rules/types.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { DetectionMessage } from '../core/types.ts';
import type { AlertRepo } from '../store/repositories/alerts.ts';
import type { RulesWindowRepo } from '../store/repositories/rules-window.ts';
import type { TriggerSnapshots } from './trigger-evidence.ts';

/** What the processor needs of the rules engine (RulesEngine in src/analytics/rules/engine.ts). */
export interface RuleEvaluator {
  process(msg: DetectionMessage): RuleTrigger[];
}

// beyond the longest rule duration: the owner's presence before an object is left, track expiry
const WINDOW_MARGIN_S = 120;

/**
 * How far back the rules window must reach so a replay rebuilds every rule's state: the longest
 * duration any rule waits for (day values: night only shortens them), plus track expiry and a margin.
 */
export function rulesWindowMs(rules: RuleSet): number {
  let longest = 0;
  for (const cam of Object.values(rules.cameras)) {
    for (const rule of Object.values(cam.rules)) {
      const p = rule.params as Record<string, unknown>;
      for (const key of ['seconds', 'min_seconds', 'clear_seconds']) {
        if (typeof p[key] === 'number') longest = Math.max(longest, p[key]);
      }
    }
  }
  return (longest + rules.track_expiry_seconds + WINDOW_MARGIN_S) * 1000;
}

const frameTime = (m: DetectionMessage): number => new Date(m.timestamp).getTime();

/** A trigger waiting to be written, with the frame it fired on (its evidence). */
interface PendingTrigger {
  trigger: RuleTrigger;
  frame: DetectionMessage;
}

/**
 * Runs ai.detections through the rules engine and records its triggers (event + alert + outbox in
 * one transaction, idempotent on the trigger key), each with the frame it fired on as its snapshot.
 *
 * At-least-once without double evaluation: each camera's last evaluated frame is remembered, so a
 * redelivered frame (its handler failed on a store write) is not evaluated again — only its
 * unwritten triggers are retried. Triggers stay pending until written, also across a frame the
 * bus dead-lettered, and are retried before the next frame is evaluated.
 *
 * Restart: every frame is first stored in the rules window (rules_window table); `warmUp` replays
 * the window through a fresh engine. Triggers it re-fires are recorded again, which the trigger key
 * turns into no-ops, so a loitering dwell that spans a restart fires exactly once.
 */
export class RuleProcessor {
  private readonly last = new Map<string, { at: number; seq: number }>();
  private readonly pending = new Map<string, PendingTrigger[]>();

  constructor(
    private readonly engine: RuleEvaluator,
    private readonly alerts: Pick<AlertRepo, 'recordTrigger'>,
    private readonly window: Pick<RulesWindowRepo, 'append'>,
    private readonly snapshots: Pick<TriggerSnapshots, 'capture'>,
    private readonly log: Logger,
    /** called after a new alert was written (nudges the outbox relay) */
    private readonly onAlert: () => void = () => {},
    /** this processor evaluates the late stream (catch-up): its triggers' events are marked late */
    private readonly late = false,
  ) {}

  /** replays stored frames (per camera in capture order) through the engine; their triggers are recorded by the next handle/flush */
  warmUp(frames: DetectionMessage[]): void {
    for (const msg of frames) if (this.isNew(msg)) this.evaluate(msg, true);
  }

  async handle(msg: DetectionMessage): Promise<void> {
    if (!Number.isFinite(frameTime(msg))) {
      this.log.error({ camera_id: msg.camera_id, frameSeq: msg.frame_seq }, `rules skip a frame with an invalid timestamp ${JSON.stringify(msg.timestamp)}`);
      return;
    }
    if (!this.isNew(msg)) {
      await this.flush(msg.camera_id);
      return;
    }
    await this.flush(msg.camera_id);
    await this.window.append(msg);
    this.evaluate(msg, false);
    await this.flush(msg.camera_id);
  }

  /** writes a camera's pending triggers in order; throws on the first failure (the rest stay pending) */
  async flush(cameraId: string): Promise<void> {
    const queue = this.pending.get(cameraId);
    while (queue?.length) {
      const { trigger: t, frame } = queue[0]!;
      const r = await this.alerts.recordTrigger(t, await this.snapshots.capture(t, frame));
      queue.shift();
      metrics.ruleTriggers.inc({ rule_type: t.ruleType, outcome: r.created ? 'recorded' : 'duplicate' });
      if (r.created) {
        metrics.events.inc({ type: t.ruleType, severity: t.severity });
        this.log.info({ camera_id: t.cameraId, rule: t.ruleId, eventId: r.eventId, alertId: r.alertId, severity: t.severity }, t.title);
        if (r.alertId !== undefined) this.onAlert();
      }
    }
  }

  /** cameras with triggers not yet written */
  pendingCameras(): string[] {
    return [...this.pending].filter(([, q]) => q.length).map(([c]) => c);
  }

  private isNew(msg: DetectionMessage): boolean {
    const last = this.last.get(msg.camera_id);
    const at = frameTime(msg);
    return !last || at > last.at || (at === last.at && msg.frame_seq > last.seq);
  }

  private evaluate(msg: DetectionMessage, replay: boolean): void {
    this.last.set(msg.camera_id, { at: frameTime(msg), seq: msg.frame_seq });
    let triggers: RuleTrigger[];
    try {
      triggers = this.engine.process(msg);
    } catch (err) {
      // bad input (e.g. an invalid timestamp): this frame is skipped, the camera's rules go on
      this.log.error({ err, camera_id: msg.camera_id, frameSeq: msg.frame_seq }, `rules not evaluated on a frame: ${(err as Error).message}`);
      return;
    }
    for (const t of triggers) {
      if (t.testMode) {
        if (!replay) {
          metrics.ruleTriggers.inc({ rule_type: t.ruleType, outcome: 'test_mode' });
          this.log.info({ camera_id: t.cameraId, rule: t.ruleId, severity: t.severity, key: t.key }, `test mode (not recorded): ${t.title}`);
        }
        continue;
      }
      const queue = this.pending.get(t.cameraId) ?? [];
      this.pending.set(t.cameraId, queue);
      queue.push({ trigger: this.late ? { ...t, late: true } : t, frame: msg });
    }
  }
}
