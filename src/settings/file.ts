import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ConfigKey } from '../store/repositories/config-objects.ts';

/** One object as the YAML file defines it, ready for ConfigService.applyFile. */
export interface FileEntry extends ConfigKey {
  definition: unknown;
  /** hash of the definition as YAML with sorted keys: the same entry hashes the same whatever its key order */
  yamlHash: string;
}

export const yamlHash = (definition: unknown): string =>
  createHash('sha256').update(stringify(definition, { sortMapEntries: true })).digest('hex');

export const fileEntry = (key: ConfigKey, definition: unknown): FileEntry => ({ ...key, definition, yamlHash: yamlHash(definition) });
