import { z } from 'zod';
import { SEVERITIES } from './types.ts';

/**
 * The rules YAML (docs/rules.md): per camera, zones (polygons), lines and rules that refer to them.
 * Zones, lines and rules are maps keyed by id, so error paths read
 * `cameras.cam_001.zones.plaza.polygon: needs ≥ 3 points`.
 */
export const ruleId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, "_" or "-", at most 64');

const point = z.tuple([z.number().min(0), z.number().min(0)]);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (00:00-23:59)');
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const classes = z.array(z.string().min(1)).min(1, 'needs at least one class');

export const windowSchema = z.object({
  from: hhmm.describe('local start time (site timezone)'),
  to: hhmm.describe('local end time; before `from` means the window crosses midnight'),
  days: z.array(z.enum(WEEKDAYS)).min(1).optional().describe('days the window starts on (default every day)'),
}).strict();
export type TimeWindow = z.infer<typeof windowSchema>;

export const scheduleSchema = z.union([z.enum(['always', 'night', 'day']), z.array(windowSchema).min(1, 'needs at least one window')]);
export type Schedule = z.infer<typeof scheduleSchema>;

export const nightSchema = z.object({
  from: hhmm.default('22:00').describe('night starts (site local time)'),
  to: hhmm.default('06:00').describe('night ends (site local time)'),
  time_factor: z.number().positive().max(1).default(0.5).describe('at night loitering, crowd and abandoned-object durations are multiplied by this (more sensitive)'),
}).strict();
export type NightConfig = z.infer<typeof nightSchema>;

export const ZONE_WEIGHTS = { low: -1, normal: 0, high: 1 } as const;

export const zoneSchema = z.object({
  name: z.string().min(1).optional().describe('display name (default: the id)'),
  polygon: z.array(point).min(3, 'needs ≥ 3 points').describe('[x, y] points in source pixels'),
  classes: classes.default(['person']).describe('object classes this zone is about'),
  inertia: z.number().int().min(1).max(100).default(2).describe('consecutive analysed frames inside (outside) before a track counts as entered (left)'),
  weight: z.enum(['low', 'normal', 'high']).default('normal').describe('zone importance, one severity step down or up'),
}).strict();
export type Zone = z.infer<typeof zoneSchema>;

export const lineSchema = z.object({
  name: z.string().min(1).optional().describe('display name (default: the id)'),
  points: z.tuple([point, point]).refine(([a, b]) => a[0] !== b[0] || a[1] !== b[1], 'the two points must differ').describe('[[x1, y1], [x2, y2]]: side a is on the left walking from point 1 to point 2 on the image, side b on the right'),
  direction: z.enum(['a_to_b', 'b_to_a', 'both']).default('both').describe('which crossings count'),
  classes: classes.default(['person']).describe('object classes this line is about'),
  margin: z.number().min(0).default(5).describe('dead band in pixels either side of the line (a box jittering on the line does not cross)'),
  weight: z.enum(['low', 'normal', 'high']).default('normal').describe('importance, one severity step down or up, as for zones'),
}).strict();
export type Line = z.infer<typeof lineSchema>;

const base = {
  name: z.string().min(1).optional().describe('display name (default: the id)'),
  classes: classes.optional().describe('object classes (default: the zone\'s or line\'s)'),
  severity: z.enum(SEVERITIES).optional().describe('fixed severity instead of the computed one'),
  alert: z.boolean().default(true).describe('a trigger raises an alert (false: an event only)'),
  test_mode: z.boolean().default(false).describe('evaluate and log only: nothing written, no alert'),
  schedule: scheduleSchema.default('always').describe('when the rule is active: always, night, day, or a list of windows'),
};
const zoneRef = { zone: ruleId.describe('id of a zone of this camera') };
const seconds = (def: number, what: string) => z.number().min(0).default(def).describe(what);

export const ruleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('zone_enter'), ...base, ...zoneRef, params: z.object({}).strict().prefault({}) }).strict(),
  z.object({ type: z.literal('zone_exit'), ...base, ...zoneRef, params: z.object({}).strict().prefault({}) }).strict(),
  z.object({
    type: z.literal('zone_presence'), ...base, ...zoneRef,
    params: z.object({
      min_seconds: seconds(0, 'time in the zone before it counts'),
      alert_at_night: z.boolean().default(true).describe('at night a presence is an alert even when `alert` is false'),
    }).strict().prefault({}),
  }).strict(),
  z.object({
    type: z.literal('line_cross'), ...base, line: ruleId.describe('id of a line of this camera'),
    params: z.object({}).strict().prefault({}),
  }).strict(),
  z.object({
    type: z.literal('loitering'), ...base, ...zoneRef,
    params: z.object({ seconds: seconds(300, 'one track in the zone this long') }).strict().prefault({}),
  }).strict(),
  z.object({
    type: z.literal('crowd'), ...base, ...zoneRef,
    params: z.object({
      max_people: z.number().int().min(1).default(5).describe('a crowd is more than this many'),
      seconds: seconds(10, 'for this long'),
      hysteresis: z.number().int().min(1).default(1).describe('a forming or standing crowd is broken only at max_people - hysteresis people or fewer (a count oscillating around max_people neither breaks nor re-fires it)'),
      clear_seconds: seconds(30, 'the count stays low this long before the rule re-arms'),
    }).strict().prefault({}),
  }).strict(),
  z.object({
    type: z.literal('abandoned_object'), ...base, zone: ruleId.optional().describe('zone id (default: the whole view)'),
    params: z.object({
      objects: classes.default(['backpack', 'handbag', 'suitcase']).describe('object classes that can be abandoned'),
      seconds: seconds(60, 'stationary this long after the owner left'),
      stationary_iou: z.number().min(0).max(1).default(0.6).describe('IoU with its first position at or above which the object has not moved'),
      owner_distance: z.number().positive().default(200).describe('pixels between object centre and the owner\'s feet within which the owner is still with it'),
    }).strict().prefault({}),
  }).strict(),
]);
export type Rule = z.infer<typeof ruleSchema>;

/** Cross-references inside one camera (a rule's zone or line must exist). */
export function referenceError(rule: Rule, cam: { zones: Record<string, unknown>; lines: Record<string, unknown> }): { path: string; message: string } | undefined {
  if (rule.type === 'line_cross') return rule.line in cam.lines ? undefined : { path: 'line', message: `unknown line "${rule.line}" (lines: ${Object.keys(cam.lines).join(', ') || 'none'})` };
  if (rule.zone !== undefined && !(rule.zone in cam.zones)) return { path: 'zone', message: `unknown zone "${rule.zone}" (zones: ${Object.keys(cam.zones).join(', ') || 'none'})` };
  return undefined;
}

export const cameraRulesSchema = z.object({
  zones: z.record(ruleId, zoneSchema).default({}).describe('zones by id'),
  lines: z.record(ruleId, lineSchema).default({}).describe('lines by id'),
  rules: z.record(ruleId, ruleSchema).default({}).describe('rules by id'),
}).strict().superRefine((cam, ctx) => {
  for (const [id, rule] of Object.entries(cam.rules)) {
    const err = referenceError(rule, cam);
    if (err) ctx.addIssue({ code: 'custom', path: ['rules', id, err.path], message: err.message });
  }
});
export type CameraRules = z.infer<typeof cameraRulesSchema>;

const ruleSetFields = {
  night: nightSchema.prefault({}).describe('night mode window and sensitivity'),
  track_expiry_seconds: z.number().positive().default(30).describe('a track unseen this long is forgotten (its stay in a zone ends without zone_exit)'),
  cameras: z.record(ruleId, cameraRulesSchema).default({}).describe('zones, lines and rules per camera id (docs/rules.md)'),
};

/** A validated rule set: what RulesEngine runs. */
export const ruleSetSchema = z.object(ruleSetFields).strict();
export type RuleSet = z.infer<typeof ruleSetSchema>;

/** The config file's `rules` section: inline rules and/or a rules file (merged, the file wins per id). */
export const rulesConfigSchema = z.object({
  file: z.string().min(1).optional().describe('rules YAML file (docs/rules.md); relative to the config file\'s directory'),
  reload: z.boolean().default(true).describe('watch the rules file and apply edits without a restart (a malformed edit keeps the previous rules)'),
  dry_run_hours: z.number().min(0).max(168).default(24).describe('hours of analysed frames kept in the rules window so that a rule can be dry-run against them before it is saved (the settings page\'s "Dry run"); 0 keeps only what a restart needs'),
  ...ruleSetFields,
}).strict();
export type RulesConfig = z.infer<typeof rulesConfigSchema>;
