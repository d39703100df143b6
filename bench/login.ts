import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApi } from '../src/api/server.ts';
import { openAuth } from '../src/auth/open.ts';
import { createMemoryCache } from '../src/cache/memory.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { configSchema } from '../src/config/schema.ts';
import { Health } from '../src/core/health.ts';
import { createLogger } from '../src/core/log.ts';
import { createDiskObjects } from '../src/objects/disk.ts';
import { openStore } from '../src/store/open.ts';
import { createRepositories } from '../src/store/repositories/index.ts';
import { percentile } from './detector.ts';

/**
 * Sign-in latency over HTTP on loopback: POST /api/v1/auth/login against the real API, PGlite and
 * argon2id cost (the password check dominates), one request at a time and `concurrent` at once
 * (the 2-core box answering a shift change). Also the bare argon2id hash time.
 */
export async function benchLogin(o: { logins: number; concurrent: number }): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-login-bench-'));
  const log = createLogger('silent');
  const store = await openStore({ kind: 'pglite' }, path.join(dir, 'db'));
  const repos = createRepositories(store);
  const auth = await openAuth({ repos, dataDir: dir, config: configSchema.parse({}).api.auth, log, cache: createMemoryCache() });
  const app = buildApi({
    auth, cameras: [], repos, store, objects: createDiskObjects(path.join(dir, 'objects')), health: new Health(),
    version: 'bench', startedAt: new Date(), log, status: () => undefined,
  } as unknown as Parameters<typeof buildApi>[0]);
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const users = Array.from({ length: o.concurrent }, (_, i) => ({ username: `bench-${i}`, password: `bench-password-${i}` }));
    const hashMs: number[] = [];
    for (const u of users) {
      const t = performance.now();
      const passwordHash = await hashPassword(u.password);
      hashMs.push(performance.now() - t);
      await repos.authUsers.create({ username: u.username, passwordHash, role: 'viewer' });
    }
    const login = async (u: { username: string; password: string }): Promise<number> => {
      const t = performance.now();
      const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(u) });
      if (r.status !== 200) throw new Error(`login answered ${r.status}: ${await r.text()}`);
      await r.arrayBuffer();
      return performance.now() - t;
    };
    await login(users[0]!);
    const sequential: number[] = [];
    for (let i = 0; i < o.logins; i++) sequential.push(await login(users[0]!));
    const parallel: number[] = [];
    for (let round = 0; round < Math.ceil(o.logins / o.concurrent); round++) parallel.push(...await Promise.all(users.map(login)));
    const summary = (ms: number[]) => {
      const s = [...ms].sort((a, b) => a - b);
      return { samples: s.length, p50_ms: Math.round(percentile(s, 50)), p99_ms: Math.round(percentile(s, 99)), max_ms: Math.round(s.at(-1)!) };
    };
    return { argon2id_hash: summary(hashMs), sequential: summary(sequential), [`concurrent_${o.concurrent}`]: summary(parallel) };
  } finally {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
