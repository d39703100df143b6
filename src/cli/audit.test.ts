import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditWriter } from '../audit/record.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { vigil } from './test-helpers.ts';

describe('vigil audit verify', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-audit-cli-'));
  const config = path.join(root, 'vigil.yaml');
  const dbDir = path.join(root, 'data', 'db');
  const open = () => openStore({ kind: 'pglite' }, dbDir);

  beforeAll(async () => {
    fs.writeFileSync(config, `storage:\n  data_dir: ${path.join(root, 'data')}\n`);
    const store = await open();
    const record = auditWriter(store);
    for (let i = 0; i < 3; i++) await record({ actor: null, ip: '127.0.0.1', action: 'POST /api/v1/x', resource: `/api/v1/x/${i}`, outcome: 'ok', status: 200 });
    await store.close();
  }, 60_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reports an intact chain as JSON and exits 0', async () => {
    const r = await vigil('audit', 'verify', '--config', config);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 3, ok: true, reason: null, head_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  }, 130_000);

  it('does not open the database while another process holds it', async () => {
    const store: Store = await open();
    try {
      const r = await vigil('audit', 'verify', '--config', config);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Vigil is running \(process \d+\).*GET \/api\/v1\/audit\/verify/);
    } finally {
      await store.close();
    }
  }, 130_000);

  it('names the tampered row and exits 1', async () => {
    const store = await open();
    const { rows: [row] } = await store.query<{ id: number }>(`SELECT id FROM audit_log WHERE resource = '/api/v1/x/1'`);
    await store.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await store.query(`UPDATE audit_log SET outcome = 'denied' WHERE id = $1`, [row!.id]);
    await store.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    await store.close();
    const r = await vigil('audit', 'verify', '--config', config);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, first_broken_id: row!.id });
  }, 130_000);

  it('refuses a data dir without a database rather than create one', async () => {
    const empty = path.join(root, 'empty.yaml');
    fs.writeFileSync(empty, `storage:\n  data_dir: ${path.join(root, 'nothing')}\n`);
    const r = await vigil('audit', 'verify', '--config', empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no database at');
    expect(fs.existsSync(path.join(root, 'nothing'))).toBe(false);
  }, 130_000);

  it('needs its subcommand', async () => {
    const r = await vigil('audit');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('name a subcommand: verify');
  }, 130_000);
});
