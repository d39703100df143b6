import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { ADMIN_OPTIONS, loadAdminConfig } from './admin.ts';

export const spec = {
  name: 'keys',
  summary: 'Rotate the token signing key (vigil keys rotate).',
  usage: ['rotate [--config FILE | --demo]'],
  allowPositionals: true,
  options: ADMIN_OPTIONS,
  notes: 'A running Vigil signs with the new key from its next token on; tokens of the old key keep verifying until they expire (api.auth.access_token_minutes). Works whether Vigil runs or not: only the key files under <data_dir>/keys change.',
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  if (args.positionals[0] !== 'rotate' || args.positionals.length !== 1) throw new UsageError('the only subcommand is: rotate');
  const loaded = await loadAdminConfig(args.values);
  const { keysDir } = await import('../auth/open.ts');
  const { SigningKeys } = await import('../auth/signing-keys.ts');
  const verifyForMs = loaded.config.api.auth.access_token_minutes * 60_000;
  const keys = await SigningKeys.open(keysDir(loaded.paths.dataDir), verifyForMs);
  const previous = keys.current().kid;
  const kid = await keys.rotate();
  console.log(`signing key rotated: ${previous} → ${kid} (the previous key verifies its tokens for ${loaded.config.api.auth.access_token_minutes} more minutes)`);
}
