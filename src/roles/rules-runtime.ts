import path from 'node:path';
import type { RulesEngineOptions } from '../analytics/rules/engine.ts';
import { loadRules } from '../analytics/rules/load.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { RuleSetSettings } from '../settings/rules.ts';

/** The time zones the rules engine judges night mode and schedules in: each camera's site's. */
export function rulesEngineOptions({ config, cameras }: LoadedConfig): RulesEngineOptions {
  const cameraTimezones = Object.fromEntries(cameras.map((c) => [c.id, config.sites.find((s) => s.id === c.siteId)?.timezone ?? 'UTC']));
  return { timezone: config.sites[0]?.timezone ?? 'UTC', cameraTimezones };
}

/**
 * Night mode and track expiry as the analytics role runs them (the rules file's, read now, over
 * the inline ones), for a rules engine of another role: the dry run. A file that cannot be read
 * leaves the inline ones, as the analytics role keeps its previous ones.
 */
export function currentRuleSettings({ config, source }: LoadedConfig): RuleSetSettings {
  const { night, track_expiry_seconds, file } = config.rules;
  const inline = { night, track_expiry_seconds };
  if (!file) return inline;
  try {
    const { rules } = loadRules(path.resolve(path.dirname(path.resolve(source)), file), { base: { ...inline, cameras: {} } });
    return { night: rules.night, track_expiry_seconds: rules.track_expiry_seconds };
  } catch {
    return inline;
  }
}
