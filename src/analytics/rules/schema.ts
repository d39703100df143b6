import { z } from 'zod';
import { lineSchema, nightSchema, ruleId, ruleSchema, zoneSchema, type Rule } from '../../api/contract/rules.ts';

/** Zones, lines and rules are defined with the API's contract (the settings pages use the same). */
export {
  lineSchema, nightSchema, ruleId, ruleSchema, scheduleSchema, windowSchema, WEEKDAYS, ZONE_WEIGHTS, zoneSchema,
  type Line, type NightConfig, type Rule, type Schedule, type TimeWindow, type Zone,
} from '../../api/contract/rules.ts';

/** Cross-references inside one camera (a rule's zone or line must exist). */
export function referenceError(rule: Rule, cam: { zones: Record<string, unknown>; lines: Record<string, unknown> }): { path: string; message: string } | undefined {
  if (rule.type === 'line_cross') return rule.line in cam.lines ? undefined : { path: 'line', message: `unknown line "${rule.line}" (lines: ${Object.keys(cam.lines).join(', ') || 'none'})` };
  if (rule.zone !== undefined && !(rule.zone in cam.zones)) return { path: 'zone', message: `unknown zone "${rule.zone}" (zones: ${Object.keys(cam.zones).join(', ') || 'none'})` };
  return undefined;
}

/**
 * The rules YAML (docs/rules.md): per camera, zones (polygons), lines and rules that refer to them.
 * Zones, lines and rules are maps keyed by id, so error paths read
 * `cameras.cam_001.zones.plaza.polygon: needs ≥ 3 points`.
 */
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
