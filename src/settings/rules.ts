/**
 * Zones, lines and rules between the configuration store and the rules engine: the YAML's rule
 * set as file entries (applied at start and on every rules file edit), and the stored objects as
 * the rule set the engine runs.
 */
import { referenceError, type CameraRules, type Line, type Rule, type RuleSet, type Zone } from '../analytics/rules/schema.ts';
import type { RuleError } from '../analytics/rules/load.ts';
import type { ConfigKey, ConfigKind } from '../store/repositories/config-objects.ts';
import { fileEntry, type FileEntry } from './file.ts';

export const RULE_OBJECT_KINDS = ['zone', 'line', 'rule'] as const satisfies readonly ConfigKind[];
export type RuleObjectKind = (typeof RULE_OBJECT_KINDS)[number];

/** What the store holds of a rule set: the rest (night mode, track expiry) stays in the YAML. */
export type RuleSetSettings = Omit<RuleSet, 'cameras'>;

const SECTIONS = { zone: 'zones', line: 'lines', rule: 'rules' } as const satisfies Record<RuleObjectKind, keyof CameraRules>;

/** A rule set's zones, lines and rules as file entries: each camera's zones and lines before its rules, which refer to them. */
export function ruleSetEntries(rules: RuleSet): FileEntry[] {
  return RULE_OBJECT_KINDS.flatMap((kind) => Object.entries(rules.cameras).flatMap(([camera, cam]) =>
    Object.entries(cam[SECTIONS[kind]]).map(([id, definition]) => fileEntry({ kind, scope: camera, id }, definition))));
}

/**
 * The rule set of stored zones, lines and rules. The store refuses a rule whose zone or line does
 * not exist, so a dangling reference can only come from outside it (a hand-edited database): that
 * rule is left out and reported, the others run.
 */
export function ruleSetOf(objects: readonly (ConfigKey & { definition: unknown })[], settings: RuleSetSettings): { rules: RuleSet; errors: RuleError[] } {
  const cameras: Record<string, CameraRules> = {};
  const camera = (id: string) => (cameras[id] ??= { zones: {}, lines: {}, rules: {} });
  for (const o of objects) {
    if (o.kind === 'zone') camera(o.scope).zones[o.id] = o.definition as Zone;
    else if (o.kind === 'line') camera(o.scope).lines[o.id] = o.definition as Line;
  }
  const errors: RuleError[] = [];
  for (const o of objects) {
    if (o.kind !== 'rule') continue;
    const rule = o.definition as Rule;
    const cam = camera(o.scope);
    const err = referenceError(rule, cam);
    if (err) errors.push({ path: `cameras.${o.scope}.rules.${o.id}.${err.path}`, message: err.message });
    else cam.rules[o.id] = rule;
  }
  return { rules: { ...settings, cameras }, errors };
}
