import type { z } from 'zod';
import { lineSchema, ruleSchema, zoneSchema, type Rule, type Zone } from '../analytics/rules/schema.ts';
import type { ConfigKey, ConfigKind, ConfigObjectRepo } from '../store/repositories/config-objects.ts';
import { polygonProblem } from './geometry.ts';

/** What the checks of a kind may read: the stored objects. */
export type ConfigReader = Pick<ConfigObjectRepo, 'get' | 'list'>;

/** A reason a definition or a deletion is refused, with where (a field of the definition) when it is about one. */
export interface Problem {
  path?: string;
  message: string;
}

/** How the store treats one kind of object. */
export interface KindSpec {
  /** what an object's scope is: the camera its id is unique within, or nothing ('') */
  scope: 'camera' | 'none';
  /** validates a definition and fills its defaults (the stored form) */
  schema: z.ZodType;
  /** what the schema cannot see: geometry, references to other objects */
  check?(definition: unknown, key: ConfigKey, read: ConfigReader): Promise<Problem | undefined>;
  /** objects that refer to this one, as "kind id": it cannot be deleted while they exist */
  dependents?(key: ConfigKey, read: ConfigReader): Promise<string[]>;
}

export type KindRegistry = Partial<Record<ConfigKind, KindSpec>>;

/** The rules of a camera that refer to a zone or line of it. */
async function rulesUsing(key: ConfigKey, read: ConfigReader, refers: (r: Rule) => string | undefined): Promise<string[]> {
  const rules = await read.list(['rule'], key.scope);
  return rules.filter((r) => refers(r.definition as Rule) === key.id).map((r) => `rule ${r.id}`);
}

export const RULE_KINDS: KindRegistry = {
  zone: {
    scope: 'camera', schema: zoneSchema,
    check: async (def) => {
      const message = polygonProblem((def as Zone).polygon);
      return message ? { path: 'polygon', message } : undefined;
    },
    dependents: (key, read) => rulesUsing(key, read, (r) => (r.type === 'line_cross' ? undefined : r.zone)),
  },
  line: {
    scope: 'camera', schema: lineSchema,
    dependents: (key, read) => rulesUsing(key, read, (r) => (r.type === 'line_cross' ? r.line : undefined)),
  },
  rule: {
    scope: 'camera', schema: ruleSchema,
    check: async (def, key, read) => {
      const rule = def as Rule;
      const [kind, id] = rule.type === 'line_cross' ? ['line', rule.line] as const : ['zone', rule.zone] as const;
      if (id === undefined || (await read.get({ kind, scope: key.scope, id }))) return undefined;
      const known = (await read.list([kind], key.scope)).map((o) => o.id);
      return { path: kind, message: `camera ${key.scope} has no ${kind} "${id}" (${kind}s: ${known.join(', ') || 'none'})` };
    },
  },
};

/** Cameras and DVRs are registered by ./cameras.ts (CAMERA_KINDS), which also seals their passwords. */
export const DEFAULT_KINDS: KindRegistry = { ...RULE_KINDS };
