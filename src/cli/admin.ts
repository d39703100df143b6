import path from 'node:path';
import { auditWriter } from '../audit/record.ts';
import { findConfigFile, loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { UsageError } from '../core/cli-args.ts';
import { addAccountCommands, AdminCommands, cliActor } from '../roles/admin-commands.ts';
import { adminSocketPath, AdminSocketAbsentError, callAdminSocket } from '../roles/admin-socket.ts';
import { openStore } from '../store/open.ts';
import { DataDirLockedError } from '../store/lockfile.ts';
import { createRepositories } from '../store/repositories/index.ts';

/**
 * How `vigil users` and `vigil apikeys` reach the database: through a running Vigil's admin
 * socket, else by opening the store themselves (no Vigil runs). Two processes never open the
 * data dir: the store's lock refuses the second, and a Vigil that is starting (it holds the lock,
 * its socket is not up yet) is waited for.
 */
export const ADMIN_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config file of the Vigil to administer (default: $VIGIL_CONFIG, else ./vigil.yaml when it exists, else the demo)' },
  demo: { type: 'boolean', default: false, description: "administer the demo's data (var/demo under the current directory, as `npm start` there uses)" },
} as const;

/** how long a Vigil that holds the database is given to open its admin socket */
const STARTING_VIGIL_WAIT_MS = 30_000;

export async function loadAdminConfig(values: { config?: string; demo?: boolean }): Promise<LoadedConfig> {
  if (values.config && values.demo) throw new UsageError('give --config or --demo, not both');
  const file = values.demo ? undefined : findConfigFile(values.config);
  if (file) return loadConfigFile(path.resolve(file));
  if (!values.demo) console.error(`vigil: no config file; using the demo's data dir (give --config FILE for another)`);
  const { demoConfigAtRest } = await import('../roles/demo.ts');
  return demoConfigAtRest();
}

async function runHere(loaded: LoadedConfig, command: string, params: unknown): Promise<unknown> {
  const store = await openStore(loaded.config.store, loaded.paths.dbDir);
  try {
    const repos = createRepositories(store);
    const registry = addAccountCommands(new AdminCommands(auditWriter(store)), { repos, knownCameras: async () => loaded.cameras.map((c) => c.id) });
    return await registry.run(command, params, cliActor());
  } finally {
    await store.close();
  }
}

/** Runs an admin command where the database is: in the running Vigil, or here. */
export async function runAdminCommand(loaded: LoadedConfig, command: string, params: unknown, waitMs = STARTING_VIGIL_WAIT_MS): Promise<unknown> {
  const socket = adminSocketPath(loaded);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await callAdminSocket(socket, command, params);
    } catch (e) {
      if (!(e instanceof AdminSocketAbsentError)) throw e;
    }
    try {
      return await runHere(loaded, command, params);
    } catch (e) {
      if (!(e instanceof DataDirLockedError)) throw e;
      if (Date.now() > deadline) throw new Error(`${e.message}; its admin socket ${socket} does not answer (see its log)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `a,b` → ['a', 'b']; absent → undefined (every camera / route) */
export function commaList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A table for people; `--json` gives the rows for scripts. */
export function printTable(rows: Array<Record<string, string>>, columns: string[]): void {
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  console.log(line(columns));
  for (const r of rows) console.log(line(columns.map((c) => r[c] ?? '')));
}

/** The sub-command (first operand) and its operands; an unknown one is a usage error listing the known. */
export function subcommand<S extends string>(positionals: string[], known: readonly S[]): { sub: S; operands: string[] } {
  const [sub, ...operands] = positionals;
  if (!sub) throw new UsageError(`name a sub-command: ${known.join(', ')}`);
  if (!known.includes(sub as S)) throw new UsageError(`unknown sub-command '${sub}' (known: ${known.join(', ')})`);
  return { sub: sub as S, operands };
}

/** Exactly `n` operands after the sub-command, named in the error. */
export function operands(sub: string, given: string[], names: string[]): string[] {
  if (given.length !== names.length) throw new UsageError(`'${sub}' takes ${names.length ? names.join(' ') : 'no operands'}; got ${given.length ? given.map((g) => `'${g}'`).join(' ') : 'none'}`);
  return given;
}

/** Options that only some sub-commands take: naming one elsewhere is a usage error. */
export function onlyFor(sub: string, values: Record<string, unknown>, allowed: Record<string, readonly string[]>): void {
  for (const [option, subs] of Object.entries(allowed)) {
    const v = values[option];
    if (v !== undefined && v !== false && !subs.includes(sub)) throw new UsageError(`--${option} is for ${subs.map((s) => `'${s}'`).join(', ')}, not '${sub}'`);
  }
}
