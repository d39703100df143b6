import { readFileSync, writeFileSync } from 'node:fs';
import { parseCommand, type CommandSpec } from '../core/cli-args.ts';

export const spec = {
  name: 'docs',
  summary: 'Regenerate the README configuration reference from the config schema.',
  options: {
    'json-schema': { type: 'boolean', default: false, description: 'print the config\'s JSON Schema instead (for editors and validators)' },
  },
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { configJsonSchema, withConfigReference } = await import('../config/docs.ts');
  if (args.values['json-schema']) {
    console.log(JSON.stringify(configJsonSchema(), null, 2));
    return;
  }
  const file = new URL('../../README.md', import.meta.url);
  const before = readFileSync(file, 'utf8');
  const after = withConfigReference(before);
  if (after !== before) writeFileSync(file, after);
  console.log(after === before ? 'README configuration reference is up to date' : 'README configuration reference regenerated');
}
