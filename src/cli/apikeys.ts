import type { ApiKey, CreatedApiKey } from '../api/contract/api-keys.ts';
import { API_KEY_DEFAULT_DAYS } from '../api/contract/api-keys.ts';
import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { ADMIN_OPTIONS, commaList, loadAdminConfig, onlyFor, operands, printTable, runAdminCommand, subcommand } from './admin.ts';

const SUBCOMMANDS = ['create', 'list', 'revoke'] as const;

export const spec = {
  name: 'apikeys',
  summary: 'Manage API keys for machines (gateways, integrations, scripts): create, list, revoke.',
  usage: [
    'create NAME --role admin|operator|viewer [--cameras a,b] [--routes "GET /api/v1/events,…"] [--expires-days N] [--config FILE | --demo]',
    'list [--json] [--config FILE | --demo]',
    'revoke NAME|ID [--config FILE | --demo]',
  ],
  allowPositionals: true,
  options: {
    ...ADMIN_OPTIONS,
    role: { type: 'string', value: 'ROLE', description: 'create: admin, operator or viewer' },
    cameras: { type: 'string', value: 'LIST', description: 'create: comma-separated camera ids the key may see (default every camera)' },
    routes: { type: 'string', value: 'LIST', description: 'create: comma-separated routes the key may call, e.g. "GET /api/v1/events,GET /api/v1/cameras" (default every route its role allows)' },
    'expires-days': { type: 'string', value: 'N', description: `create: the key stops working after N days (default ${API_KEY_DEFAULT_DAYS})` },
    json: { type: 'boolean', default: false, description: 'list: print JSON' },
  },
  notes: [
    'create prints the key alone on the last line of its output, once: only its hash is kept. Send it as the X-API-Key header.',
    '  KEY=$(vigil apikeys create gate-gw --role viewer --cameras cam_001 | tail -n 1)',
    'revoke takes the key\'s name or its id (a name of digits only is read as an id); the key stops working at once.',
    'Works whether Vigil runs or not: through a running Vigil\'s admin socket, else on its database directly.',
  ].join('\n'),
} as const satisfies CommandSpec;

function expiresDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--expires-days takes a whole number of days; got '${value}'`);
  return n;
}

const all = (list: readonly string[] | null, none: string) => (list ? list.join(',') : none);

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { values, positionals } = args;
  const { sub, operands: rest } = subcommand(positionals, SUBCOMMANDS);
  onlyFor(sub, values, { role: ['create'], cameras: ['create'], routes: ['create'], 'expires-days': ['create'], json: ['list'] });

  if (sub === 'create') {
    const [name] = operands(sub, rest, ['NAME']);
    if (!values.role) throw new UsageError("'create' needs --role admin|operator|viewer");
    const params = { name, role: values.role, cameras: commaList(values.cameras), routes: commaList(values.routes), expires_in_days: expiresDays(values['expires-days']) };
    const loaded = await loadAdminConfig(values);
    const k = await runAdminCommand(loaded, 'apikeys.create', params) as CreatedApiKey;
    console.log(`created API key ${k.name} (id ${k.id}, ${k.role}, cameras: ${all(k.cameras, 'all')}, routes: ${all(k.routes, `all the ${k.role} role allows`)}), expires ${k.expires_at}`);
    console.log('the key, shown this once (send it as the X-API-Key header):');
    console.log(k.key);
  } else if (sub === 'list') {
    operands(sub, rest, []);
    const { items } = await runAdminCommand(await loadAdminConfig(values), 'apikeys.list', {}) as { items: ApiKey[] };
    if (values.json) return console.log(JSON.stringify(items, null, 2));
    printTable(items.map((k) => ({
      id: String(k.id), name: k.name, prefix: `vgl_${k.prefix}_…`, role: k.role, state: k.state, cameras: all(k.cameras, 'all'), routes: all(k.routes, 'all'),
      expires: k.expires_at, 'last used': k.last_used_at ? `${k.last_used_at} from ${k.last_used_ip ?? '?'}` : 'never',
    })), ['id', 'name', 'prefix', 'role', 'state', 'cameras', 'routes', 'expires', 'last used']);
  } else {
    const [which] = operands(sub, rest, ['NAME|ID']);
    const key = /^\d+$/.test(which!) ? Number(which) : which!;
    const k = await runAdminCommand(await loadAdminConfig(values), 'apikeys.revoke', { key }) as ApiKey;
    console.log(`revoked API key ${k.name} (id ${k.id}) at ${k.revoked_at}`);
  }
}
