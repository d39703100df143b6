import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { redact } from '../core/redact.ts';
import { cacheIsShared, openCache, redisUrl } from './open.ts';

const redisConfig = (redis: Record<string, unknown> = {}) => configSchema.parse({ cache: { kind: 'redis', redis } }).cache.redis;
const PASSWORD = 's3cr3t-cache-pw';

describe('openCache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is shared between processes only on Redis', () => {
    expect(cacheIsShared(configSchema.parse({}).cache)).toBe(false);
    expect(cacheIsShared(configSchema.parse({ cache: { kind: 'redis' } }).cache)).toBe(true);
  });

  it('opens the memory cache by default', async () => {
    const cache = await openCache(configSchema.parse({}).cache);
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.close();
  });

  it('reads the Redis URL from the configured variable, else from url_file', () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:16379`;
    expect(redisUrl(redisConfig(), { VIGIL_REDIS_URL: url })).toBe(url);
    expect(redisUrl(redisConfig({ url_env: 'CACHE_URL' }), { CACHE_URL: `${url}\n` })).toBe(url);
    const file = path.join(dir, 'redis-url');
    writeFileSync(file, `${url}/2\n`);
    expect(redisUrl(redisConfig({ url_file: file }), { VIGIL_REDIS_URL: url })).toBe(`${url}/2`);
  });

  it('masks the password everywhere once the URL is read', () => {
    redisUrl(redisConfig(), { VIGIL_REDIS_URL: `redis://:${PASSWORD}@cache.lan:6379` });
    expect(redact(`auth failed with ${PASSWORD}`)).not.toContain(PASSWORD);
  });

  it('names where the URL should be, never the URL, when it is missing or wrong', () => {
    expect(() => redisUrl(redisConfig(), {})).toThrow(/VIGIL_REDIS_URL holds no URL/);
    expect(() => redisUrl(redisConfig({ url_file: path.join(dir, 'absent') }), {})).toThrow(/url_file .*cannot read: ENOENT/);
    for (const bad of [`http://:${PASSWORD}@h:1`, `${PASSWORD} not a url`]) {
      let message = '';
      try {
        redisUrl(redisConfig(), { VIGIL_REDIS_URL: bad });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/VIGIL_REDIS_URL is not/);
      expect(message).not.toContain(PASSWORD);
    }
  });

  it('refuses a url_env that is not a variable name', () => {
    expect(() => redisConfig({ url_env: 'redis://:pw@h' })).toThrow(/environment variable name/);
  });
});
