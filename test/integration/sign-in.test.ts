import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext, type RoleContext, type RunningRole } from '../../src/roles/context.ts';
import { adminFromSetupCode, createUser } from '../fixtures/api-auth.ts';
import { logLines } from '../fixtures/log-lines.ts';
import { until } from '../fixtures/until.ts';

/** The API role as it starts in production: first-run setup code, key files, brute-force alert. */
describe('sign-in in the API role', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sign-in-'));
  const { log, lines } = logLines();
  let ctx: RoleContext;
  let api: RunningRole & { url: string };

  beforeAll(async () => {
    const loaded = resolveConfig({
      storage: { data_dir: root }, api: { port: 0, auth: { login: { burst_failures: 4, account_free_failures: 10 } } }, live: { webrtc: false },
      sites: [{ id: 'main', cameras: [{ id: 'cam_a', url: 'rtsp://127.0.0.1:1/none' }] }],
    }, 'sign-in-test', {}, root);
    ctx = await openContext(loaded, log);
    api = await startApiRole(ctx);
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('with no user, prints a one-time setup code that creates the first admin; signing keys are the owner\'s only', async () => {
    const admin = await adminFromSetupCode(api.url, () => lines.join(''));
    const me = await (await fetch(`${api.url}/api/v1/auth/me`, { headers: admin })).json();
    expect(me).toMatchObject({ name: 'first-admin', role: 'admin', mfa_enabled: true });
    const keys = path.join(root, 'keys');
    for (const f of fs.readdirSync(keys)) expect(fs.statSync(path.join(keys, f)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(keys).some((f) => f.startsWith('signing-'))).toBe(true);
  });

  it('a burst of failed logins is logged once and raised as a system alert', async () => {
    const victim = await createUser(ctx.repos, 'operator');
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${api.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: victim.username, password: `wrong-${i}-guess` }) });
      expect(r.status).toBe(401);
    }
    const alert = await until('the burst alert', 10_000, async () => {
      const open = await ctx.repos.alerts.openSystemConditions();
      return open.find((k) => k === `login_burst:account:${victim.username}`);
    });
    expect(alert).toBeTruthy();
    expect(lines.filter((l) => l.includes('failed logins burst') && l.includes(victim.username))).toHaveLength(1);
    expect(lines.join('')).not.toContain('wrong-0-guess');
  });
});
