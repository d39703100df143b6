import fs from 'node:fs';
import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { ADMIN_OPTIONS, loadAdminConfig } from './admin.ts';

export const spec = {
  name: 'audit',
  summary: 'Check the audit trail: `vigil audit verify` walks its hash chain and names the first row changed or removed.',
  usage: ['verify [--config FILE | --demo]'],
  allowPositionals: true,
  options: ADMIN_OPTIONS,
  notes: [
    'Prints the result as JSON (rows checked, ok, first_broken_id, reason, and the newest row\'s id and hash: keep',
    'those elsewhere to detect rows later removed from the end) and exits 1 when the chain is broken.',
    'While Vigil runs it holds the database: ask it instead (GET /api/v1/audit/verify as an admin).',
  ].join('\n'),
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const [sub, ...extra] = args.positionals;
  if (sub !== 'verify') throw new UsageError(sub === undefined ? 'name a subcommand: verify' : `unknown subcommand '${sub}'`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const loaded = await loadAdminConfig(args.values);
  const { dbDir } = loaded.paths;
  // opening an empty dir would create a database and report an empty, intact trail (PGlite only:
  // a PostgreSQL server holds its database itself)
  if (loaded.config.store.kind === 'pglite' && !fs.existsSync(dbDir)) throw new Error(`no database at ${dbDir} (${loaded.source}): has Vigil run with this configuration?`);

  const [{ openStore }, { DataDirLockedError }, { verifyAuditChain }] = await Promise.all([
    import('../store/open.ts'), import('../store/lockfile.ts'), import('../audit/verify.ts'),
  ]);
  const store = await openStore(loaded.config.store, dbDir).catch((e: unknown) => {
    if (e instanceof DataDirLockedError) throw new Error(`Vigil is running (process ${e.pid}) and holds ${dbDir}; while it runs, ask it: GET /api/v1/audit/verify as an admin`);
    throw e;
  });
  try {
    const result = await verifyAuditChain(store);
    console.log(JSON.stringify(result, null, 2));
    if (!result.ok) process.exitCode = 1;
  } finally {
    await store.close();
  }
}
