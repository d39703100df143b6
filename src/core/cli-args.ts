import { parseArgs } from 'node:util';

/** One option of a command: what node:util parseArgs needs, and what `--help` says about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  description: string;
  /** placeholder shown after a string option, e.g. FILE (default VALUE) */
  value?: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** as typed after `vigil`, e.g. `run` */
  name: string;
  summary: string;
  /** usage lines after `vigil <name>`; default `[options]` */
  usage?: string[];
  options: O;
  /** sub-commands or operands (eval detect|track|faces) */
  allowPositionals?: boolean;
  /** text after the options */
  notes?: string;
}

/** A wrong command line: the command prints the reason and its help, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

function optionLabel(name: string, o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}`;
  return o.type === 'string' ? `${flag} ${o.value ?? 'VALUE'}` : flag;
}

/** `vigil <name> --help`: usage, summary, every option with its default. */
export function helpText(spec: CommandSpec): string {
  const usage = spec.usage ?? ['[options]'];
  const options = Object.entries({ ...spec.options, help: HELP });
  const labels = options.map(([n, o]) => optionLabel(n, o));
  const width = Math.max(...labels.map((l) => l.length));
  const lines = options.map(([, o], i) => {
    const fallback = o.default === undefined || o.default === false || o.default === '' ? '' : ` (default ${String(o.default)})`;
    return `  ${labels[i]!.padEnd(width)}  ${o.description}${fallback}`;
  });
  return [
    `usage: ${usage.map((u) => `vigil ${spec.name} ${u}`).join('\n       ')}`,
    '',
    spec.summary,
    '',
    'options:',
    ...lines,
    ...(spec.notes ? ['', spec.notes] : []),
  ].join('\n');
}

/** parseArgs' messages, without its advice about `--` (meant for positionals, not typos). */
function usageErrorFrom(e: NodeJS.ErrnoException): UsageError {
  const first = e.message.split(/\. (?=To specify|This command)/)[0]!;
  return new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
}

/**
 * Parses a command's arguments strictly: an unknown option or a missing value is a UsageError
 * naming it. Returns undefined after printing the help when `--help`/`-h` is given.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: string[]) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...spec.options, help: HELP } as O & { help: typeof HELP }, strict: true, allowPositionals: spec.allowPositionals ?? false });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(`${helpText(spec)}\n`);
      return undefined;
    }
    return { values, positionals };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw usageErrorFrom(e as NodeJS.ErrnoException);
    throw e;
  }
}
