/** What the rules engine emits (issue 5 §1); consumed by the alerts repository (owner B). */
import type { BBox } from '../../core/types.ts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export type RuleType = 'zone_enter' | 'zone_exit' | 'zone_presence' | 'line_cross' | 'loitering' | 'crowd' | 'abandoned_object';

export interface RuleTrigger {
  /** idempotency key, also the event's events.event_key: stable across replays, e.g. `${cameraId}:rule:${ruleId}:${trackId}:${startedAtMs}` */
  key: string;
  ruleId: string;
  ruleName: string;
  ruleType: RuleType;
  cameraId: string;
  zoneId?: string;
  /** frame timestamp that fired */
  at: Date;
  /** when the condition began (entered zone, crowd formed, object left) */
  startedAt: Date;
  trackIds: number[];
  label: string;
  confidence: number;
  bbox: BBox;
  severity: Severity;
  night: boolean;
  /** the rule asks for an alert (else: an event only) */
  alert: boolean;
  /** rule in test mode: evaluated and logged/counted, nothing written, no alert */
  testMode: boolean;
  /** human-readable one-liner, e.g. "Person loitering in Plaza for 5 min 12 s" */
  title: string;
  details: Record<string, unknown>;
  /** fired on frames analysed after the fact from the recording (catch-up): its event is marked late */
  late?: boolean;
}
