import type { Caller } from '../core/actor.ts';
import type { RuleTrigger } from '../analytics/rules/types.ts';

/** A loitering trigger for tests; override what the test is about. */
export function sampleTrigger(o: Partial<RuleTrigger> = {}): RuleTrigger {
  const at = o.at ?? new Date('2025-01-20T23:10:00Z');
  const startedAt = o.startedAt ?? new Date(at.getTime() - 300_000);
  return {
    key: `cam_a:rule:loiter:7:${startedAt.getTime()}`, ruleId: 'loiter', ruleName: 'Plaza loitering', ruleType: 'loitering',
    cameraId: 'cam_a', zoneId: 'plaza', at, startedAt, trackIds: [7], label: 'person', confidence: 0.81, bbox: [10, 20, 60, 140],
    severity: 'critical', night: true, alert: true, testMode: false, title: 'Person loitering in Plaza for 5 min 0 s',
    details: { dwell_seconds: 300 }, ...o,
  };
}

/** An operator signed in as `name` (no users row: acknowledged_by stays null), seeing every camera. */
export const operator = (name: string, cameras: readonly string[] | null = null): Caller => ({ kind: 'user', id: 0, name, cameras });
