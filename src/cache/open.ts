import { ConfigError, secretFromFileOrEnv } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import { createMemoryCache } from './memory.ts';
import type { Cache } from './port.ts';

export type CacheConfig = Config['cache'];

/**
 * The Redis URL from cache.redis.url_file, else the variable named by cache.redis.url_env. Its
 * password is registered as a secret, so every log line and error masks it from here on; errors
 * about the URL name where it comes from, never the URL.
 */
export function redisUrl(config: CacheConfig['redis'], env: NodeJS.ProcessEnv): string {
  const file = config.url_file ? { setting: 'cache.redis.url_file', path: config.url_file } : undefined;
  const source = file ? `${file.setting} (${file.path})` : config.url_env;
  const url = secretFromFileOrEnv(env, config.url_env, file);
  if (!url) throw new ConfigError(`cache.kind is redis but ${source} holds no URL (redis://:<password>@host:port)`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${source} is not a URL (expected redis://:<password>@host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError(`${source} is not a redis:// or rediss:// URL`);
  registerSecret(decodeURIComponent(parsed.password));
  registerSecret(url);
  return url;
}

/** Roles in other processes are reached only through a cache they share (not one process's memory). */
export const cacheIsShared = (config: CacheConfig): boolean => config.kind !== 'memory';

/** Opens the configured Cache; the Redis client is loaded only when configured, so the one box never loads it. */
export async function openCache(config: CacheConfig, o: { env?: NodeJS.ProcessEnv; log?: Logger } = {}): Promise<Cache> {
  switch (config.kind) {
    case 'memory':
      return createMemoryCache({ log: o.log });
    case 'redis': {
      const url = redisUrl(config.redis, o.env ?? process.env);
      const { createRedisCache } = await import('./redis.ts');
      return createRedisCache({ url, prefix: config.redis.key_prefix, log: o.log });
    }
  }
}
