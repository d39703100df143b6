import { describe, expect, it } from 'vitest';
import { helpText, parseCommand, UsageError, type CommandSpec } from './cli-args.ts';

const spec = {
  name: 'demo',
  summary: 'A command.',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'config file' },
    seconds: { type: 'string', default: '20', value: 'N', description: 'how long' },
    quiet: { type: 'boolean', default: false, description: 'say less' },
  },
} as const satisfies CommandSpec;

describe('command line', () => {
  it('parses options with their defaults', () => {
    expect(parseCommand(spec, ['-c', 'v.yaml', '--quiet'])?.values).toEqual({ config: 'v.yaml', seconds: '20', quiet: true });
  });

  it('names an unknown option or a missing value, without parseArgs\' advice about --', () => {
    expect(() => parseCommand(spec, ['--secnds', '5'])).toThrow(new UsageError("unknown option '--secnds'"));
    expect(() => parseCommand(spec, ['--config'])).toThrow(/option '-c, --config <value>' argument missing/);
    expect(() => parseCommand(spec, ['extra'])).toThrow(new UsageError("unexpected argument 'extra'"));
  });

  it('help: usage, summary, one aligned line per option with its default', () => {
    expect(helpText(spec).split('\n')).toEqual([
      'usage: vigil demo [options]',
      '',
      'A command.',
      '',
      'options:',
      '  -c, --config FILE  config file',
      '      --seconds N    how long (default 20)',
      '      --quiet        say less',
      '  -h, --help         show this help',
    ]);
  });
});
