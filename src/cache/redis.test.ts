import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/fixtures/log-lines.ts';
import { createRedisCache } from './redis.ts';

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('redis cache without a server', () => {
  it('fails commands after a few reconnections, logging the outage once and never the password', async () => {
    const { log, lines } = logLines();
    const cache = createRedisCache({ url: `redis://:unreachable-pw-123@127.0.0.1:${await closedPort()}`, log });
    try {
      await expect(cache.get('k')).rejects.toThrow();
      await expect(cache.incr('n', 1000)).rejects.toThrow();
      expect(lines.filter((l) => l.includes('redis commands connection'))).toHaveLength(1);
      expect(lines.join('\n')).not.toContain('unreachable-pw-123');
    } finally {
      await cache.close();
    }
  });
});
