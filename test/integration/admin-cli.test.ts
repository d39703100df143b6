/**
 * Administration from the command line, whether Vigil runs or not: the real CLI (`node
 * bin/vigil.js users|apikeys …`) against a stopped Vigil (it opens the database itself) and a
 * running `vigil run` (it talks to the admin socket, as two processes must never open the data
 * dir). Users added either way exist; an API key printed on the last line verifies until it is
 * revoked; the socket is 0600 in a 0700 directory and is gone after a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyService } from '../../src/auth/api-keys.ts';
import { openStore } from '../../src/store/open.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { freePort } from '../fixtures/free-port.ts';
import { until } from '../fixtures/until.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const KEY_LINE = /^vgl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `vigil ARGS` to the end, with `stdin` written to its standard input. */
function vigil(args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/vigil.js', ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

describe('vigil users / apikeys from the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-admin-cli-'));
  const config = path.join(dir, 'vigil.yaml');
  const dbDir = path.join(dir, 'data', 'db');
  const socket = path.join(dir, 'data', 'admin', 'admin.sock');
  let apiPort = 0;
  let running: ChildProcess | undefined;
  const keys: Record<string, string> = {};
  const cfg = ['--config', config];

  beforeAll(async () => {
    apiPort = await freePort();
    writeFileSync(config, [
      'sites:',
      '  - id: site',
      '    dvrs: [{ id: dvr, host: 127.0.0.1, port: 1 }]',
      '    cameras: [{ id: gate, dvr: dvr, channel: 1 }, { id: yard, dvr: dvr, channel: 2 }]',
      'storage: { data_dir: ./data }',
      `api: { port: ${apiPort} }`,
      'log: { level: info }',
    ].join('\n'));
  });

  afterAll(async () => {
    if (running?.exitCode === null) running.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('works on a stopped Vigil: adds an admin from stdin and prints a new key alone on the last line', async () => {
    const added = await vigil(['users', 'add', 'Alice', '--role', 'admin', '--password-stdin', ...cfg], 'alice password 1\n');
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/added user alice \(id \d+, admin, cameras: all\)/);

    const weak = await vigil(['users', 'add', 'weak', '--role', 'viewer', '--password-stdin', ...cfg], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password: at least 10 characters/);

    const created = await vigil(['apikeys', 'create', 'gate-gw', '--role', 'viewer', '--cameras', 'gate', '--expires-days', '30', ...cfg]);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect(lastLine(created.stdout)).toMatch(KEY_LINE);
    keys.gate = lastLine(created.stdout);
    expect(created.stdout.split('\n').filter((l) => l.includes(keys.gate!))).toHaveLength(1);
    expect(created.stderr).not.toContain(keys.gate);
  }, 180_000);

  it('works through the admin socket of a running Vigil (0600 in a 0700 directory)', async () => {
    const logFile = path.join(dir, 'run.log');
    const out = openSync(logFile, 'w');
    running = spawn(process.execPath, ['bin/vigil.js', 'run', ...cfg, '--roles', 'api'], { cwd: REPO, stdio: ['ignore', out, out] });
    closeSync(out);
    await until('the admin socket and the API', 90_000, async () => {
      if (running!.exitCode !== null) throw new Error(`vigil run exited ${running!.exitCode}: ${readFileSync(logFile, 'utf8')}`);
      if (!existsSync(socket)) return undefined;
      const r = await fetch(`http://127.0.0.1:${apiPort}/api/v1/system/health`).catch(() => null);
      return r ? true : undefined;
    }, 500);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);

    const added = await vigil(['users', 'add', 'bob', '--role', 'viewer', '--cameras', 'yard', '--password-stdin', ...cfg], 'bob password 22');
    expect(added, added.stderr).toMatchObject({ code: 0 });
    const admin = await vigil(['apikeys', 'create', 'ops-script', '--role', 'admin', ...cfg]);
    expect(admin, admin.stderr).toMatchObject({ code: 0 });
    keys.admin = lastLine(admin.stdout);
    expect(keys.admin).toMatch(KEY_LINE);

    const listed = await vigil(['users', 'list', '--json', ...cfg]);
    expect(JSON.parse(listed.stdout).map((u: { username: string; role: string; cameras: string[] | null }) => [u.username, u.role, u.cameras]))
      .toEqual([['alice', 'admin', null], ['bob', 'viewer', ['yard']]]);
    // the API sees the same users (the admin key authenticates once sign-in is wired; until then every caller is the local admin)
    const api = await fetch(`http://127.0.0.1:${apiPort}/api/v1/users`, { headers: { 'x-api-key': keys.admin } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { items: Array<{ username: string }> }).items.map((u) => u.username)).toEqual(['alice', 'bob']);

    const revoked = await vigil(['apikeys', 'revoke', 'gate-gw', ...cfg]);
    expect(revoked, revoked.stderr).toMatchObject({ code: 0 });
    expect(revoked.stdout).toMatch(/revoked API key gate-gw/);
    const unknown = await vigil(['apikeys', 'revoke', 'no-such-key', ...cfg]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no API key named 'no-such-key'/);
    const list = await vigil(['apikeys', 'list', ...cfg]);
    expect(list.stdout).toMatch(/gate-gw\s+vgl_[0-9a-f]{12}_…\s+viewer\s+revoked/);
    expect(list.stdout).not.toContain(keys.admin.slice(17));
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/bob password 22|alice password 1/);

    running.kill('SIGTERM');
    await until('vigil run to stop', 60_000, () => (running!.exitCode !== null ? true : undefined), 250);
    expect(existsSync(socket)).toBe(false);
  }, 240_000);

  it('keys verify until revoked, as the running Vigil left them', async () => {
    const store = await openStore({ kind: 'pglite' }, dbDir);
    try {
      const repos = createRepositories(store);
      const service = apiKeyService({ keys: repos.apiKeys, knownCameras: async () => [] });
      expect(await service.check(keys.gate!, '127.0.0.1')).toEqual({ actor: null, reason: 'revoked' });
      expect(await service.verify(keys.admin!, '127.0.0.1')).toMatchObject({ kind: 'api_key', name: 'ops-script', role: 'admin', cameras: null });
      expect((await repos.users.byUsername('bob'))?.cameras).toEqual(['yard']);
      // every command is in the audit trail, stopped or running, with the account that ran it and never a parameter
      const audit = (await store.query<{ action: string; actor_name: string; outcome: string; details: string }>(
        `SELECT action, actor_name, outcome, details::text AS details FROM audit_log WHERE action LIKE 'cli %' ORDER BY id`,
      )).rows;
      expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['cli users.add', 'cli apikeys.create', 'cli apikeys.revoke']));
      expect(new Set(audit.map((r) => r.actor_name))).toEqual(new Set([`cli:${os.userInfo().username}`]));
      expect(audit.map((r) => r.details).join()).not.toMatch(/alice password 1|bob password 22|short|vgl_/);
    } finally {
      await store.close();
    }
  }, 60_000);
});
