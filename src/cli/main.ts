import { helpText, UsageError, type CommandSpec } from '../core/cli-args.ts';

/**
 * `vigil <command>`: one file per subcommand, each exporting its `spec` (options and help) and a
 * `main` that loads the heavy code (roles, models, PGlite) only when it runs, so `--help` is quick.
 */
interface Command {
  spec: CommandSpec;
  main: (argv: string[]) => Promise<void>;
}

const commands: Record<string, () => Promise<Command>> = {
  run: () => import('./run.ts'),
  'dvr-sim': () => import('./dvr-sim.ts'),
  'fetch-sample': () => import('./fetch-sample.ts'),
  eval: () => import('./eval.ts'),
  bench: () => import('./bench.ts'),
  'vapid-keys': () => import('./vapid-keys.ts'),
  keys: () => import('./keys.ts'),
  docs: () => import('./docs.ts'),
  users: () => import('./users.ts'),
  apikeys: () => import('./apikeys.ts'),
  audit: () => import('./audit.ts'),
};

async function usage(): Promise<string> {
  const specs = await Promise.all(Object.values(commands).map(async (load) => (await load()).spec));
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    'usage: vigil <command> [options]',
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    "'vigil <command> --help' shows a command's options.",
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  // `vigil` alone is a mistake (exit 2, on stderr); `vigil --help` is a request (exit 0, on stdout)
  if (name === undefined) {
    console.error(await usage());
    process.exit(2);
  }
  console.log(await usage());
  process.exit(0);
}
const load = commands[name];
if (!load) {
  console.error(`vigil: unknown command '${name}'\n\n${await usage()}`);
  process.exit(2);
}
// stdout of `vigil eval` and `vigil bench` is their JSON result: logs go to stderr
if (name === 'eval' || name === 'bench') process.env.VIGIL_LOG_STDERR ??= '1';
const command = await load();
try {
  await command.main(rest);
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`vigil ${name}: ${e.message}\n\n${helpText(command.spec)}`);
    process.exit(2);
  }
  console.error(`vigil ${name}: ${(e as Error).message}`);
  process.exit(1);
}
