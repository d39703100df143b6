import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../core/log.ts';
import { storeContract } from './contract.ts';
import { DataDirLockedError, lockPathFor } from './lockfile.ts';
import { openStore } from './open.ts';
import { openPglite } from './pglite.ts';
import type { Store } from './port.ts';

const contractRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-store-contract-'));
storeContract(
  'pglite',
  () => openStore({ kind: 'pglite' }, path.join(contractRoot, 'db')),
  async () => fs.rmSync(contractRoot, { recursive: true, force: true }),
);

describe('pglite data dir lock', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-store-lock-'));
  const dir = path.join(root, 'db');
  let store: Store | undefined;
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('takes over a stale lock (its process is gone) with a log line', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(lockPathFor(dir), `${deadPid}\n`);
    const warn = vi.fn();
    const log = { warn, info: vi.fn() } as unknown as Logger;
    store = await openPglite(dir, { log });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ stale_pid: deadPid }), expect.stringContaining('stale'));
    expect(fs.readFileSync(lockPathFor(dir), 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a second open of the same dir, naming the owner pid', async () => {
    const second = openPglite(dir);
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(second).rejects.toThrow(`process ${process.pid}`);
    // the failed attempt leaves the owner's lock alone
    expect(fs.readFileSync(lockPathFor(dir), 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a dir locked by another live process', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    const otherDir = path.join(root, 'other');
    try {
      fs.writeFileSync(lockPathFor(otherDir), `${other.pid}\n`);
      await expect(openPglite(otherDir)).rejects.toThrow(`${otherDir} is in use by process ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('releases the lock on close; a reopen sees the data', async () => {
    await store!.query('CREATE TABLE kept (v text)');
    await store!.query('INSERT INTO kept VALUES ($1)', ['still here']);
    await store!.close();
    store = undefined;
    expect(fs.existsSync(lockPathFor(dir))).toBe(false);
    store = await openPglite(dir);
    expect((await store.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
  });
});

describe('pglite shared_buffers', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-store-buffers-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs with the configured shared_buffers, also on a database created with the default', async () => {
    const dir = path.join(root, 'db');
    const created = await openStore({ kind: 'pglite' }, dir);
    expect((await created.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '128MB' }]);
    await created.query('CREATE TABLE kept (v text)');
    await created.query('INSERT INTO kept SELECT repeat($1, 100) FROM generate_series(1, 100000)', ['x']);
    await created.close();
    const small = await openStore({ kind: 'pglite', pglite_shared_buffers_mb: 8 }, dir);
    try {
      expect((await small.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '8MB' }]);
      // ~13 MB of rows, more than 8 MB of buffers hold: read back through the database files
      expect((await small.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 100000 }]);
    } finally {
      await small.close();
    }
  });
});
