import { stringify } from 'yaml';
import type { Caller } from '../core/actor.ts';
import type { ConfigKind } from '../store/repositories/config-objects.ts';
import { RULE_OBJECT_KINDS, ruleSetOf, type RuleSetSettings } from './rules.ts';
import type { ConfigObject, ConfigService } from './service.ts';

/** One part of the exported YAML: the kinds it is made of and the top-level keys it becomes. */
export interface ExportSection {
  kinds: readonly ConfigKind[];
  build(objects: readonly ConfigObject[]): Record<string, unknown>;
}

/** The `rules` section: night mode and track expiry from the YAML, zones, lines and rules from the store. */
export const rulesSection = (settings: () => RuleSetSettings): ExportSection => ({
  kinds: RULE_OBJECT_KINDS,
  build: (objects) => ({ rules: ruleSetOf(objects, settings()).rules }),
});

/**
 * The configuration as it is now, as a YAML config file: what the store holds (edits through the
 * API included), in the shape the config file takes, so it can replace the file.
 */
export async function exportYaml(config: ConfigService, caller: Caller, sections: readonly ExportSection[]): Promise<string> {
  const doc: Record<string, unknown> = {};
  for (const s of sections) {
    const objects = (await Promise.all(s.kinds.map((k) => config.list(caller, k)))).flat();
    Object.assign(doc, s.build(objects));
  }
  return stringify(doc);
}
