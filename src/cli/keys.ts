import path from 'node:path';
import { findConfigFile, loadConfigFile, resolveConfig, type LoadedConfig } from '../config/load.ts';
import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';

export const spec = {
  name: 'keys',
  summary: 'Rotate the token signing key (vigil keys rotate).',
  usage: ['rotate [--config FILE | --demo]'],
  allowPositionals: true,
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'config file whose data dir holds the keys (default: $VIGIL_CONFIG, else ./vigil.yaml)' },
    demo: { type: 'boolean', default: false, description: "the demo's data dir" },
  },
  notes: 'A running Vigil signs with the new key from its next token on; tokens of the old key keep verifying until they expire (api.auth.access_token_minutes). Works whether Vigil runs or not: only the key files under <data_dir>/keys change.',
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  if (args.positionals[0] !== 'rotate' || args.positionals.length !== 1) throw new UsageError('the only subcommand is: rotate');
  let loaded: LoadedConfig;
  if (args.values.demo) {
    const { demoConfig } = await import('../roles/demo.ts');
    loaded = resolveConfig(demoConfig({ simPort: 1, channels: 1, analysed: 1, dataDir: path.join('var', 'demo') }), 'demo');
  } else {
    const file = findConfigFile(args.values.config);
    if (!file) throw new UsageError('no config: pass --config FILE, or --demo');
    loaded = loadConfigFile(path.resolve(file));
  }
  const { keysDir } = await import('../auth/open.ts');
  const { SigningKeys } = await import('../auth/signing-keys.ts');
  const verifyForMs = loaded.config.api.auth.access_token_minutes * 60_000;
  const keys = await SigningKeys.open(keysDir(loaded.paths.dataDir), verifyForMs);
  const previous = keys.current().kid;
  const kid = await keys.rotate();
  console.log(`signing key rotated: ${previous} → ${kid} (the previous key verifies its tokens for ${loaded.config.api.auth.access_token_minutes} more minutes)`);
}
