import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../api/contract/actor.ts';
import { loadMigrations, migrate } from '../store/migrate.ts';
import { openPglite } from '../store/pglite.ts';
import type { Store } from '../store/port.ts';
import { auditWriter } from './record.ts';
import { GENESIS_HASH, verifyAuditChain } from './verify.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-audit-chain-'));
const alice: Actor = { kind: 'user', id: 7, name: 'alice', role: 'operator', cameras: null, routes: null };
const gateway: Actor = { kind: 'api_key', id: 3, name: 'gate-gw', role: 'viewer', cameras: ['cam_1'], routes: null };

describe('audit_log hash chain', () => {
  let store: Store;
  const ids = async () => (await store.query<{ id: number }>('SELECT id FROM audit_log ORDER BY id')).rows.map((r) => r.id);
  // what the database owner can do behind the append-only rule; the verifier must notice
  const asOwnerBypassingTriggers = async (sql: string, params: unknown[]) => {
    await store.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    try {
      await store.query(sql, params);
    } finally {
      await store.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    }
  };

  beforeAll(async () => {
    store = await openPglite(path.join(root, 'db'));
    // rows written before the chain existed (alert actions, face naming) must join it
    await migrate(store, { migrations: loadMigrations().filter((m) => m.version < 14) });
    await store.query(`INSERT INTO audit_log (action, resource, details, created_at) VALUES
      ('alert.ack', 'alert/1', '{"note": "seen"}', '2025-01-20T10:00:00Z'),
      ('face_identity.name', 'face_identities/2', '{"to": "Carol"}', '2025-01-20T10:05:00Z')`);
    await migrate(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('chains the rows written before the migration from the genesis hash', async () => {
    const { rows } = await store.query<{ prev_hash: string; hash: string; outcome: string }>('SELECT prev_hash, hash, outcome FROM audit_log ORDER BY id');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(rows[0]!.outcome).toBe('ok');
    expect(await verifyAuditChain(store)).toMatchObject({ rows: 2, ok: true, reason: null, head_hash: rows[1]!.hash });
  });

  it('links every new row, written one by one, concurrently or many in one statement, and verifies', async () => {
    const record = auditWriter(store);
    await record({ actor: alice, ip: '192.0.2.10', action: 'POST /api/v1/alerts/:id/ack', resource: '/api/v1/alerts/5/ack', outcome: 'ok', status: 200, details: { note: 'ü "quoted"' } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => record({
      actor: i % 2 ? gateway : null, ip: i % 3 ? '2001:db8::1' : 'not-an-ip', action: 'GET /api/v1/faces/search/:embeddingId', resource: `/api/v1/faces/search/${i}`,
      outcome: i % 2 ? 'ok' : 'denied', status: i % 2 ? 200 : 401,
    })));
    await store.query(`INSERT INTO audit_log (action, resource) SELECT 'bulk', 'r/' || n FROM generate_series(1, 5) AS n`);
    const list = await ids();
    expect(list).toHaveLength(28);
    // the chain trigger draws ids under its lock: one number per row, in chain order
    expect(list.at(-1)! - list[2]!).toBe(25);
    const result = await verifyAuditChain(store);
    expect(result).toMatchObject({ rows: 28, ok: true, head_id: list.at(-1) });
  });

  it('records the actor, address and outcome in their own columns', async () => {
    const { rows } = await store.query(`SELECT actor_kind, actor_name, user_id, api_key_id, host(ip_address) AS ip, outcome, status
      FROM audit_log WHERE resource IN ('/api/v1/alerts/5/ack', '/api/v1/faces/search/1', '/api/v1/faces/search/0') ORDER BY resource`);
    expect(rows).toEqual([
      { actor_kind: 'user', actor_name: 'alice', user_id: 7, api_key_id: null, ip: '192.0.2.10', outcome: 'ok', status: 200 },
      { actor_kind: null, actor_name: null, user_id: null, api_key_id: null, ip: null, outcome: 'denied', status: 401 },
      { actor_kind: 'api_key', actor_name: 'gate-gw', user_id: null, api_key_id: 3, ip: '2001:db8::1', outcome: 'ok', status: 200 },
    ]);
  });

  it('replaces any id or hash a writer supplies', async () => {
    await store.query(`INSERT INTO audit_log (id, action, resource, prev_hash, hash) VALUES (1, 'forged', 'x', $1, $1)`, ['f'.repeat(64)]);
    expect(await verifyAuditChain(store)).toMatchObject({ rows: 29, ok: true });
  });

  it('verifies whatever the session time zone', async () => {
    await store.query(`SET TIME ZONE 'America/New_York'`);
    try {
      expect((await verifyAuditChain(store)).ok).toBe(true);
    } finally {
      await store.query(`SET TIME ZONE 'UTC'`);
    }
  });

  it('stores a refusal whose reason quotes a NUL or an unpaired surrogate (jsonb refuses both)', async () => {
    await auditWriter(store)({ actor: null, ip: null, action: 'GET /api/v1/events', resource: '/api/v1/events/nul', outcome: 'failed', status: 400, details: { reason: 'camera a\u0000b, note x\uD800y' } });
    const { rows } = await store.query(`SELECT details->>'reason' AS reason FROM audit_log WHERE resource = '/api/v1/events/nul'`);
    expect(rows).toEqual([{ reason: 'camera a\uFFFDb, note x\uFFFDy' }]);
  });

  it('still refuses UPDATE, DELETE and TRUNCATE', async () => {
    const [first] = await ids();
    await expect(store.query(`UPDATE audit_log SET action = 'forged' WHERE id = $1`, [first])).rejects.toThrow(/append-only/);
    await expect(store.query('DELETE FROM audit_log WHERE id = $1', [first])).rejects.toThrow(/append-only/);
    await expect(store.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  it('finds a row changed with the triggers bypassed, by its id', async () => {
    const victim = (await ids())[10]!;
    const { rows: [before] } = await store.query<{ resource: string }>('SELECT resource FROM audit_log WHERE id = $1', [victim]);
    await asOwnerBypassingTriggers(`UPDATE audit_log SET resource = '/api/v1/elsewhere' WHERE id = $1`, [victim]);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, first_broken_id: victim, reason: expect.stringMatching(/content was changed/), rows: 11 });
    // put back as it was, the row matches its hash again
    await asOwnerBypassingTriggers('UPDATE audit_log SET resource = $2 WHERE id = $1', [victim, before!.resource]);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  it('finds a row whose hash was recomputed to hide a change: the next row no longer links to it', async () => {
    const { rows: [denied] } = await store.query<{ id: number }>(`SELECT id FROM audit_log WHERE outcome = 'denied' ORDER BY id LIMIT 1`);
    const victim = denied!.id;
    await asOwnerBypassingTriggers(`UPDATE audit_log SET outcome = 'ok', status = 200 WHERE id = $1`, [victim]);
    await asOwnerBypassingTriggers('UPDATE audit_log SET hash = audit_log_row_hash(prev_hash, audit_log.*) WHERE id = $1', [victim]);
    const list = await ids();
    // the refused call now claims success with a hash of its own that fits: the break shows at its successor
    expect(await verifyAuditChain(store)).toMatchObject({
      ok: false, first_broken_id: list[list.indexOf(victim) + 1], reason: expect.stringMatching(/row before it was removed or its hash changed/),
    });
  });

  it('finds a row removed from the middle: its successor names it', async () => {
    const list = await ids();
    await asOwnerBypassingTriggers('DELETE FROM audit_log WHERE id = $1', [list[1]]);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, first_broken_id: list[2], rows: 2 });
  });
});
