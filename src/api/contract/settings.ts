/**
 * The configuration API: zones, lines and rules per camera as versioned objects, the rule dry
 * run, and the export of the configuration as YAML. Dependency-free (zod only).
 */
import { z } from 'zod';
import { lineSchema, ruleId, ruleSchema, zoneSchema } from './rules.ts';
import { cameraId, MAX_VERSION, timeOut } from './types.ts';

/** Who last changed an object, when, and its version (send it back with a change: another version stored since is a 409). */
const versioned = {
  version: z.number().int().min(1).describe('the object\'s version: each change stores a new one'),
  updated_at: timeOut,
  updated_by: z.string().describe('who stored this version: user:alice, api_key:gate-gw, system:config-file'),
};

const cameraObject = <T extends z.ZodType>(definition: T) => z.object({ camera: z.string(), id: z.string(), definition, ...versioned });

export const zoneObject = cameraObject(zoneSchema);
export const lineObject = cameraObject(lineSchema);
export const ruleObject = cameraObject(ruleSchema);
export type ZoneObject = z.infer<typeof zoneObject>;
export type LineObject = z.infer<typeof lineObject>;
export type RuleObject = z.infer<typeof ruleObject>;

export const zoneList = z.object({ items: z.array(zoneObject) });
export const lineList = z.object({ items: z.array(lineObject) });
export const ruleList = z.object({ items: z.array(ruleObject) });

export const cameraObjectQuery = z.object({ camera: cameraId.optional().describe('only this camera\'s') }).strict();
export const cameraObjectParams = z.object({ cameraId, id: ruleId.describe('id, unique within the camera') }).strict();

/** The version the change is based on: 0 = create (409 if it exists); absent = whatever is stored is replaced. */
const expectedVersion = z.number().int().min(0).max(MAX_VERSION).optional()
  .describe('the version you read (0: create, refused if it exists); a different stored version is a 409. Absent: replace whatever is stored');

const putBody = <T extends z.ZodType>(definition: T) => z.object({ definition, version: expectedVersion }).strict();
export const putZoneBody = putBody(zoneSchema);
export const putLineBody = putBody(lineSchema);
export const putRuleBody = putBody(ruleSchema);

export const deleteObjectQuery = z.object({
  version: z.coerce.number().int().min(1).max(MAX_VERSION).optional().describe('the version you read; a different stored version is a 409'),
}).strict();

export const DRY_RUN_MAX_HOURS = 168;

export const dryRunBody = z.object({
  camera: cameraId,
  rule: ruleSchema.describe('the rule as drafted'),
  zones: z.record(ruleId, zoneSchema).default({}).describe('zones as drafted, by id: they replace the stored zones of the same id for this run'),
  lines: z.record(ruleId, lineSchema).default({}).describe('lines as drafted, by id, as for zones'),
  hours: z.number().positive().max(DRY_RUN_MAX_HOURS).default(24).describe('replay this many hours back from now'),
}).strict();
export type DryRunInput = z.input<typeof dryRunBody>;

export const dryRunResult = z.object({
  camera: z.string(),
  from: timeOut.describe('start of the replayed period'),
  to: timeOut.describe('end of the replayed period (now)'),
  frames: z.number().int().describe('stored analysed frames of the camera replayed'),
  first_frame: timeOut.nullable().describe('the oldest of them: the rules window may hold less than the period (rules.dry_run_hours)'),
  last_frame: timeOut.nullable(),
  count: z.number().int().describe('how often the rule would have fired'),
  times: z.array(timeOut).describe('when it would have fired (the first 500)'),
  per_hour: z.array(z.object({ hour: timeOut, count: z.number().int() })).describe('fires per hour of the period, oldest first'),
});
export type DryRunResult = z.infer<typeof dryRunResult>;
