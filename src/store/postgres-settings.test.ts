import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.ts';
import { postgresUrl } from './open.ts';
import { redactUrl, safeUrl } from './postgres.ts';

const URL_WITH_PASSWORD = 'postgres://vigil:s3cr%2Ft@db.example:5432/vigil';

describe('postgres connection settings', () => {
  it('reads the URL from url_file, the variable url_env names, or its _FILE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pgurl-'));
    try {
      const file = path.join(dir, 'url');
      fs.writeFileSync(file, `${URL_WITH_PASSWORD}\n`);
      expect(postgresUrl({ url_file: file }, { VIGIL_POSTGRES_URL: 'ignored' })).toBe(URL_WITH_PASSWORD);
      expect(postgresUrl({}, { VIGIL_POSTGRES_URL: URL_WITH_PASSWORD })).toBe(URL_WITH_PASSWORD);
      expect(postgresUrl({ url_env: 'DB_URL' }, { DB_URL_FILE: file })).toBe(URL_WITH_PASSWORD);
      expect(() => postgresUrl({ url_file: path.join(dir, 'missing') }, {})).toThrow(ConfigError);
      expect(() => postgresUrl({}, {})).toThrow('set VIGIL_POSTGRES_URL (or VIGIL_POSTGRES_URL_FILE)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a URL without its password and redacts it, raw or decoded, from any text', () => {
    expect(safeUrl(URL_WITH_PASSWORD)).toBe('postgres://vigil:***@db.example:5432/vigil');
    expect(safeUrl('not a url')).toBe('(unparsable postgres URL)');
    const text = `failed: ${URL_WITH_PASSWORD} (password s3cr/t, as sent s3cr%2Ft)`;
    const redacted = redactUrl(text, URL_WITH_PASSWORD);
    expect(redacted).not.toMatch(/s3cr/);
    expect(redacted).toBe('failed: *** (password ***, as sent ***)');
  });
});
