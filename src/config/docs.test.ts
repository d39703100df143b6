import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configReferenceMarkdown, withConfigReference } from './docs.ts';

describe('generated config docs', () => {
  it('documents every section with descriptions', () => {
    const md = configReferenceMarkdown();
    for (const key of ['sites[].dvrs[].password', 'recording.retention_days', 'stream.stall_seconds', 'detection.thresholds', 'api.trusted_proxies']) {
      expect(md).toContain(`\`${key}\``);
    }
    expect(md.split('\n').filter((l) => l.endsWith('|  |'))).toEqual([]);
  });

  it('produces a JSON Schema that rejects unknown keys', () => {
    const s = configJsonSchema() as { additionalProperties?: boolean; properties: object };
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toContain('sites');
  });

  it('README carries the current reference (run `npm run docs` after changing the schema)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withConfigReference(readme)).toBe(readme);
  });
});
