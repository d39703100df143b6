import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveConfig } from '../config/load.ts';
import { AdminCommands } from '../roles/admin-commands.ts';
import { adminSocketPath, startAdminSocket } from '../roles/admin-socket.ts';
import { acquireDirLock } from '../store/lockfile.ts';
import { loadAdminConfig, runAdminCommand } from './admin.ts';

describe('admin commands from the command line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-admin-cli-'));
  const loaded = resolveConfig({ storage: { data_dir: root } }, 'test');
  const quiet = pino({ level: 'silent' });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('waits for the admin socket of a Vigil that holds the database while it starts, and names it when it never answers', async () => {
    const lock = acquireDirLock(loaded.paths.dbDir);
    try {
      await expect(runAdminCommand(loaded, 'users.list', {}, 1000)).rejects.toThrow(/is in use by process \d+.*; its admin socket .*admin\.sock does not answer/);
      const registry = new AdminCommands().add({ name: 'users.list', params: z.object({}), run: async () => ({ items: ['from the running Vigil'] }) });
      let stop: (() => Promise<void>) | undefined;
      const late = setTimeout(() => void startAdminSocket(adminSocketPath(loaded), registry, quiet).then((r) => (stop = r.stop)), 1500);
      try {
        expect(await runAdminCommand(loaded, 'users.list', {}, 60_000)).toEqual({ items: ['from the running Vigil'] });
      } finally {
        clearTimeout(late);
        await stop?.();
      }
    } finally {
      lock.release();
    }
  }, 90_000);

  it('opens the database itself when no Vigil runs', async () => {
    expect(await runAdminCommand(loaded, 'users.list', {})).toEqual({ items: [] });
    expect(fs.existsSync(`${loaded.paths.dbDir}.lock`)).toBe(false);
  }, 60_000);

  it('--demo administers the demo\'s data dir; --config and --demo together are refused', async () => {
    expect((await loadAdminConfig({ demo: true })).paths.dataDir).toBe(path.resolve('var', 'demo'));
    await expect(loadAdminConfig({ demo: true, config: 'x.yaml' })).rejects.toThrow('give --config or --demo, not both');
  });
});
