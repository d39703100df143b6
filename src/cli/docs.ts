import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema, withConfigReference } from '../config/docs.ts';

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--json-schema')) {
    console.log(JSON.stringify(configJsonSchema(), null, 2));
    return;
  }
  const file = new URL('../../README.md', import.meta.url);
  const before = readFileSync(file, 'utf8');
  const after = withConfigReference(before);
  if (after !== before) writeFileSync(file, after);
  console.log(after === before ? 'README configuration reference is up to date' : 'README configuration reference regenerated');
}
