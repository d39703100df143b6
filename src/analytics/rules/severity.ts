import type { RuleType, Severity } from './types.ts';
import { SEVERITIES } from './types.ts';
import { ZONE_WEIGHTS } from './schema.ts';

/** Starting level per rule type (index into low, medium, high, critical); docs/rules.md has the table. */
export const BASE_LEVEL: Record<RuleType, number> = {
  zone_exit: 0, zone_enter: 1, zone_presence: 1, loitering: 1, crowd: 1, line_cross: 2, abandoned_object: 2,
};
export const LOW_CONFIDENCE = 0.5;
export const LONG_SECONDS = 600;

export interface SeverityInput {
  type: RuleType;
  night: boolean;
  weight: keyof typeof ZONE_WEIGHTS;
  confidence: number;
  /** how long the condition lasted when it fired (dwell, crowd, time since the owner left) */
  durationSeconds: number;
}

/** base(type) + 1 at night + zone weight (-1/0/+1) - 1 below 0.5 confidence + 1 from 10 min on, clamped to low..critical. */
export function severityOf(s: SeverityInput): Severity {
  const level = BASE_LEVEL[s.type] + (s.night ? 1 : 0) + ZONE_WEIGHTS[s.weight]
    - (s.confidence < LOW_CONFIDENCE ? 1 : 0) + (s.durationSeconds >= LONG_SECONDS ? 1 : 0);
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, level))]!;
}
