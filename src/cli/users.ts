import type { User } from '../api/contract/users.ts';
import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { ADMIN_OPTIONS, commaList, loadAdminConfig, onlyFor, operands, printTable, runAdminCommand, subcommand } from './admin.ts';
import { promptNewPassword, readPasswordFrom } from './password-input.ts';

const SUBCOMMANDS = ['add', 'list', 'reset-mfa'] as const;

export const spec = {
  name: 'users',
  summary: 'Manage the people who sign in: add one, list them, reset a lost second factor.',
  usage: [
    'add NAME --role admin|operator|viewer [--cameras a,b] [--password-stdin] [--config FILE | --demo]',
    'list [--json] [--config FILE | --demo]',
    'reset-mfa NAME [--config FILE | --demo]',
  ],
  allowPositionals: true,
  options: {
    ...ADMIN_OPTIONS,
    role: { type: 'string', value: 'ROLE', description: 'add: admin, operator or viewer' },
    cameras: { type: 'string', value: 'LIST', description: 'add: comma-separated camera ids the user may see (default every camera)' },
    'password-stdin': { type: 'boolean', default: false, description: 'add: read the password from standard input (else it is asked for at the terminal, without echo)' },
    json: { type: 'boolean', default: false, description: 'list: print JSON' },
  },
  notes: [
    'Works whether Vigil runs or not: through a running Vigil\'s admin socket, else on its database directly.',
    'Passwords: at least 10 characters, not the username. Never give one as an argument (other local users see arguments).',
    'Example: printf %s "$PW" | vigil users add alice --role admin --password-stdin --config /etc/vigil/vigil.yaml',
  ].join('\n'),
} as const satisfies CommandSpec;

const describeCameras = (cameras: readonly string[] | null) => (cameras ? cameras.join(',') : 'all');

async function newPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFrom(process.stdin);
  if (!process.stdin.isTTY) throw new UsageError('standard input is not a terminal: give --password-stdin and the password on standard input');
  return promptNewPassword({ input: process.stdin, output: process.stderr });
}

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { values, positionals } = args;
  const { sub, operands: rest } = subcommand(positionals, SUBCOMMANDS);
  onlyFor(sub, values, { role: ['add'], cameras: ['add'], 'password-stdin': ['add'], json: ['list'] });

  if (sub === 'add') {
    const [username] = operands(sub, rest, ['NAME']);
    if (!values.role) throw new UsageError("'add' needs --role admin|operator|viewer");
    const loaded = await loadAdminConfig(values);
    const password = await newPassword(values['password-stdin']);
    const u = await runAdminCommand(loaded, 'users.add', { username, password, role: values.role, cameras: commaList(values.cameras) }) as User;
    console.log(`added user ${u.username} (id ${u.id}, ${u.role}, cameras: ${describeCameras(u.cameras)})`);
  } else if (sub === 'list') {
    operands(sub, rest, []);
    const { items } = await runAdminCommand(await loadAdminConfig(values), 'users.list', {}) as { items: User[] };
    if (values.json) return console.log(JSON.stringify(items, null, 2));
    printTable(items.map((u) => ({
      id: String(u.id), username: u.username, role: u.role, cameras: describeCameras(u.cameras), disabled: u.disabled ? 'yes' : 'no', created: u.created_at,
    })), ['id', 'username', 'role', 'cameras', 'disabled', 'created']);
  } else {
    const [username] = operands(sub, rest, ['NAME']);
    const u = await runAdminCommand(await loadAdminConfig(values), 'users.reset-mfa', { username }) as User;
    console.log(`reset the second factor of ${u.username}: they enrol again at their next sign-in`);
  }
}
