import path from 'node:path';
import { findConfigFile, loadConfigFile, resolveConfig, type LoadedConfig } from '../config/load.ts';
import type { OptionSpec } from '../core/cli-args.ts';

/** How an admin command names the installation it works on: a config file, or the demo's data dir. */
export const TARGET_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config file of the installation (default: $VIGIL_CONFIG, else ./vigil.yaml when it exists, else the demo)' },
  demo: { type: 'boolean', default: false, description: 'the demo\'s installation (its data dir under var/demo) even when a config file exists' },
} as const satisfies Record<string, OptionSpec>;

/** The configuration an admin command acts on, chosen the way `vigil run` chooses what it runs. */
export async function adminTarget(values: { config?: string; demo?: boolean }): Promise<LoadedConfig> {
  const file = values.demo ? undefined : findConfigFile(values.config);
  if (file) return loadConfigFile(path.resolve(file));
  // loaded here: only the demo's paths are needed, not its simulator
  const { demoConfig, DEMO_DATA_DIR } = await import('../roles/demo.ts');
  return resolveConfig(demoConfig({ simPort: 0, channels: 1, analysed: 1, dataDir: DEMO_DATA_DIR }), 'demo');
}
