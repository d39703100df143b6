import type { Frame, Seen } from './frame.ts';
import { unionBox } from './geometry.ts';
import type { Rule } from './schema.ts';
import { severityOf } from './severity.ts';
import type { RuleTrigger } from './types.ts';

/** A rule of one camera with what it refers to resolved. */
export interface RuleSpec {
  id: string;
  cameraId: string;
  rule: Rule;
  name: string;
  /** zone or line the rule watches; undefined = the whole view */
  place?: { kind: 'zone' | 'line'; id: string; name: string; weight: 'low' | 'normal' | 'high' };
  classes: ReadonlySet<string>;
  /** line_cross: the line's direction */
  direction?: 'a_to_b' | 'b_to_a' | 'both';
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
}

export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
export const placeName = (spec: RuleSpec): string => spec.place?.name ?? 'view';

export interface TriggerParts {
  /** distinguishes this occurrence within the rule (track and start time, or the start time) */
  occurrence: string;
  startedAt: number;
  subjects: readonly Seen[];
  durationSeconds: number;
  title: string;
  details?: Record<string, unknown>;
  /** overrides the rule's `alert` (night presence) */
  alert?: boolean;
}

export function makeTrigger(spec: RuleSpec, f: Frame, p: TriggerParts): RuleTrigger {
  const confidence = p.subjects.reduce((sum, s) => sum + s.confidence, 0) / p.subjects.length;
  const { rule } = spec;
  return {
    key: `${spec.cameraId}:rule:${spec.id}:${p.occurrence}`,
    ruleId: spec.id, ruleName: spec.name, ruleType: rule.type, cameraId: spec.cameraId,
    ...(spec.place?.kind === 'zone' ? { zoneId: spec.place.id } : {}),
    at: new Date(f.ts), startedAt: new Date(p.startedAt),
    trackIds: p.subjects.map((s) => s.trackId), label: p.subjects[0]!.cls, confidence,
    bbox: unionBox(p.subjects.map((s) => s.bbox)),
    severity: rule.severity ?? severityOf({ type: rule.type, night: f.night, weight: spec.place?.weight ?? 'normal', confidence, durationSeconds: p.durationSeconds }),
    night: f.night, alert: p.alert ?? rule.alert, testMode: rule.test_mode, title: p.title,
    details: { duration_seconds: Math.round(p.durationSeconds), ...(spec.place ? { [spec.place.kind]: spec.place.id } : {}), ...p.details },
  };
}
