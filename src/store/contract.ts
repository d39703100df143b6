import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, SchemaTooNewError } from './migrate.ts';
import { EVENT_PARTITION_MONTHS } from './open.ts';
import type { BBox } from '../core/types.ts';
import type { Store } from './port.ts';
import type { AlertStatus, StatusChange } from './repositories/alerts.ts';
import { createRepositories, InvalidCursorError, type EventInput, type Repositories } from './repositories/index.ts';

/**
 * The behaviour every Store adapter must show, registered as vitest tests. `open` returns a
 * migrated store (as openStore does). Rows use ids unique to the run, so a reused database works.
 */
export function storeContract(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    const cam = (n: string) => `c${run}_${n}`;
    let store: Store;
    let repos: Repositories;

    beforeAll(async () => {
      store = await open();
      repos = createRepositories(store);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    describe('schema and migrations', () => {
      it('creates every seed table and our recording tables', async () => {
        const { rows } = await store.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
        );
        const tables = rows.map((r) => r.table_name);
        for (const t of ['cameras', 'events', 'alerts', 'face_embeddings', 'users', 'alert_rules', 'audit_log',
          'perimeter_zones', 'recording_segments', 'recording_gaps', 'schema_migrations']) {
          expect(tables).toContain(t);
        }
        const cols = await store.query<{ column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null }>(
          `SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = 'events'`,
        );
        const byName = new Map(cols.rows.map((c) => [c.column_name, c]));
        expect(byName.get('bounding_box')?.data_type).toBe('box');
        expect(byName.get('confidence')).toMatchObject({ data_type: 'numeric', numeric_precision: 4, numeric_scale: 3 });
        expect(byName.get('metadata')?.data_type).toBe('jsonb');
        expect([...byName.keys()]).toEqual(expect.arrayContaining(['event_key', 'label', 'start_time', 'end_time', 'severity']));
      });

      it('records every migration and re-running them is a no-op', async () => {
        const known = loadMigrations().map((m) => m.version);
        expect(await migrate(store)).toEqual([]);
        const { rows } = await store.query<{ version: number; applied_at: Date }>('SELECT version, applied_at FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(known);
        expect(rows[0]?.applied_at).toBeInstanceOf(Date);
      });

      it('refuses to run when the database is newer than the code', async () => {
        await expect(migrate(store, { migrations: loadMigrations().slice(0, 1) })).rejects.toThrow(SchemaTooNewError);
      });

      it('rolls a failing migration back completely', async () => {
        const broken = { version: 900, name: 'broken', sql: `CREATE TABLE contract_broken_${run} (id int); SELECT 1 / 0;` };
        await expect(migrate(store, { migrations: [...loadMigrations(), broken] })).rejects.toThrow();
        expect((await store.query('SELECT to_regclass($1) AS t', [`contract_broken_${run}`])).rows[0]).toEqual({ t: null });
        expect((await store.query('SELECT 1 FROM schema_migrations WHERE version = 900')).rows).toEqual([]);
      });
    });

    describe('events partitioning', () => {
      it('partitions events by range with a default and monthly partitions ahead', async () => {
        const strategy = await store.query<{ partstrat: string }>(
          `SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'events'::regclass`,
        );
        expect(strategy.rows).toEqual([{ partstrat: 'r' }]);
        const { rows } = await store.query<{ name: string }>(
          `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'events'::regclass`,
        );
        const names = rows.map((r) => r.name);
        expect(names).toContain('events_default');
        const now = new Date();
        for (let i = 0; i < EVENT_PARTITION_MONTHS; i++) {
          const m = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
          expect(names).toContain(`events_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`);
        }
      });

      it('ensure_event_partitions moves rows out of the default partition', async () => {
        const part = 'events_1971_03';
        await store.query(`DROP TABLE IF EXISTS ${part}`);
        const id = await repos.events.upsert(event({ eventKey: `${run}-old`, startTime: new Date('1971-03-15T12:00:00Z') }));
        const where = () => store.query<{ p: string }>('SELECT tableoid::regclass::text AS p FROM events WHERE id = $1', [id]);
        expect((await where()).rows).toEqual([{ p: 'events_default' }]);
        expect((await store.query('SELECT ensure_event_partitions($1::date, 1) AS n', ['1971-03-20'])).rows).toEqual([{ n: 1 }]);
        expect((await where()).rows).toEqual([{ p: part }]);
        // a second call finds the partition and creates nothing
        expect((await store.query('SELECT ensure_event_partitions($1::date, 1) AS n', ['1971-03-01'])).rows).toEqual([{ n: 0 }]);
        await store.query(`DROP TABLE ${part}`);
      });
    });

    describe('queries and transactions', () => {
      it('commits a transaction and returns its value', async () => {
        const v = await store.transaction(async (tx) => {
          await tx.query('INSERT INTO cameras (id, name, rtsp_url) VALUES ($1, $2, $3)', [cam('tx1'), 'tx', 'rtsp://x']);
          return 42;
        });
        expect(v).toBe(42);
        expect(await repos.cameras.get(cam('tx1'))).not.toBeNull();
      });

      it('rolls a transaction back when its function throws', async () => {
        await expect(store.transaction(async (tx) => {
          await tx.query('INSERT INTO cameras (id, name, rtsp_url) VALUES ($1, $2, $3)', [cam('tx2'), 'tx', 'rtsp://x']);
          throw new Error('boom');
        })).rejects.toThrow('boom');
        expect(await repos.cameras.get(cam('tx2'))).toBeNull();
      });

      it('keeps hostile strings as plain values', async () => {
        const hostile = `'); DROP TABLE events;--`;
        expect((await store.query<{ v: string }>('SELECT $1::text AS v', [hostile])).rows).toEqual([{ v: hostile }]);
        await repos.cameras.upsert({ id: cam('evil'), name: hostile, siteId: 's', rtspUrl: 'rtsp://h', location: hostile });
        expect(await repos.cameras.get(cam('evil'))).toMatchObject({ name: hostile, location: hostile });
        expect((await repos.events.list({ label: hostile, cameraIds: [hostile], limit: 5 })).items).toEqual([]);
        expect((await store.query(`SELECT to_regclass('events') IS NOT NULL AS ok`)).rows).toEqual([{ ok: true }]);
      });

      it('converts column types as documented', async () => {
        const { rows } = await store.query(
          `SELECT 9007199254740991::bigint AS big, 0.875::decimal(4,3) AS dec, now() AS ts, '{"a":1}'::jsonb AS j`,
        );
        expect(rows[0]).toMatchObject({ big: 9007199254740991, dec: 0.875, j: { a: 1 } });
        expect(rows[0]?.ts).toBeInstanceOf(Date);
      });

      it('runs a multi-statement script without parameters and returns the last result', async () => {
        const { rows } = await store.query(`CREATE TEMP TABLE script_${run} (v int); INSERT INTO script_${run} VALUES (1), (2); SELECT sum(v) AS s FROM script_${run}`);
        expect(rows).toEqual([{ s: 3 }]);
      });

      it('answers ping', async () => {
        expect(await store.ping()).toBe(true);
      });
    });

    describe('face embeddings (pgvector)', () => {
      // repositories/faces.ts creates the index of the configured dimension (migration 006)
      const faces = () => createRepositories(store, { faces: { dim: 512, model: `contract_${run}`, identitySimilarity: 0.9, efSearch: 40 } }).faces;

      it('has an HNSW cosine index with m = 16, ef_construction = 64 for the configured dimension', async () => {
        await faces().searchSimilar(randomVector(), { k: 1 });
        const { rows } = await store.query<{ indexdef: string }>(
          `SELECT indexdef FROM pg_indexes WHERE tablename = 'face_embeddings' AND indexname = 'face_embeddings_hnsw_512'`,
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]!.indexdef).toMatch(/vector_cosine_ops/);
        expect(rows[0]!.indexdef).toMatch(/m='?16'?/);
        expect(rows[0]!.indexdef).toMatch(/ef_construction='?64'?/);
      });

      it('returns the nearest embedding first', async () => {
        const repo = faces();
        const vectors = Array.from({ length: 12 }, () => randomVector());
        const ids: number[] = [];
        for (const [i, v] of vectors.entries()) {
          const r = await repo.recordTrackFace({ cameraId: cam('face'), trackId: i, eventKey: `${cam('face')}:${i}`, seenAt: new Date(), embedding: v, quality: 0.5, bbox: null });
          ids.push(r.embeddingId);
        }
        const target = 7;
        const probe = vectors[target]!.map((x) => x + (Math.random() - 0.5) * 0.01);
        const rows = await repo.searchSimilar(probe, { k: 10 });
        expect(rows[0]!.embedding_id).toBe(ids[target]);
        expect(rows.map((r) => r.similarity)).toEqual([...rows.map((r) => r.similarity)].sort((a, b) => b - a));
      });
    });

    it('audit_log rejects UPDATE and DELETE', async () => {
      const { rows } = await store.query<{ id: number }>(
        `INSERT INTO audit_log (action, resource, details) VALUES ('login', $1, '{}') RETURNING id`, [`user/${run}`],
      );
      const id = rows[0]!.id;
      await expect(store.query(`UPDATE audit_log SET action = 'forged' WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(store.query('DELETE FROM audit_log WHERE id = $1', [id])).rejects.toThrow(/append-only/);
      expect((await store.query('SELECT action FROM audit_log WHERE id = $1', [id])).rows).toEqual([{ action: 'login' }]);
    });

    describe('cameras repository', () => {
      it('upserts idempotently, keeps status unless given and never stores a credential', async () => {
        const id = cam('a');
        await repos.cameras.upsert({ id, name: 'Gate', siteId: 'site1', dvrChannel: 1, rtspUrl: 'rtsp://admin:hunter2@10.0.0.5/ch1' });
        await repos.cameras.setStatus(id, 'online');
        await repos.cameras.upsert({ id, name: 'Main gate', siteId: 'site1', dvrChannel: 1, rtspUrl: 'rtsp://admin:hunter2@10.0.0.5/ch1' });
        const row = await repos.cameras.get(id);
        expect(row).toMatchObject({ id, name: 'Main gate', site_id: 'site1', dvr_channel: 1, status: 'online', location: null });
        expect(row!.rtsp_url).not.toContain('hunter2');
        expect(row!.created_at).toBeInstanceOf(Date);
        expect((await repos.cameras.list()).filter((c) => c.id === id)).toHaveLength(1);
        await repos.cameras.upsert({ id, name: 'Main gate', siteId: 'site1', rtspUrl: 'rtsp://h', status: 'offline' });
        expect((await repos.cameras.get(id))?.status).toBe('offline');
      });
    });

    describe('events repository', () => {
      it('upserts by event_key: one row, earliest start, latest end, best confidence with its box and snapshot', async () => {
        const key = `${run}-track1`;
        const t0 = new Date(Date.now() - 60_000);
        const id1 = await repos.events.upsert(event({ eventKey: key, confidence: 0.5, bbox: [1, 2, 3, 4], snapshotPath: 'a.jpg', startTime: t0, endTime: new Date(t0.getTime() + 1000) }));
        const id2 = await repos.events.upsert(event({ eventKey: key, confidence: 0.9, bbox: [10, 20, 30, 40], snapshotPath: 'b.jpg', startTime: new Date(t0.getTime() + 2000), endTime: new Date(t0.getTime() + 5000) }));
        // a replay with lower confidence and an earlier first sighting (a restarted consumer)
        const id3 = await repos.events.upsert(event({ eventKey: key, confidence: 0.7, bbox: [5, 5, 6, 6], snapshotPath: 'c.jpg', startTime: new Date(t0.getTime() - 3000), endTime: null }));
        expect(id2).toBe(id1);
        expect(id3).toBe(id1);
        expect((await store.query('SELECT count(*) AS n FROM events WHERE event_key = $1', [key])).rows).toEqual([{ n: 1 }]);
        expect(await repos.events.get(id1)).toMatchObject({
          event_key: key, confidence: 0.9, bounding_box: [10, 20, 30, 40], snapshot_path: 'b.jpg',
          start_time: new Date(t0.getTime() - 3000), end_time: new Date(t0.getTime() + 5000),
        });
        expect(await repos.events.get(-1)).toBeNull();
      });

      it('a new view replaces box and snapshot together whatever the confidence; a call without one keeps them', async () => {
        const key = `${run}-view`;
        const t0 = new Date(Date.now() - 60_000);
        const id = await repos.events.upsert(event({ eventKey: key, confidence: 0.9, bbox: [1, 2, 3, 4], snapshotPath: 'a.jpg', newView: true, startTime: t0, endTime: t0 }));
        await repos.events.upsert(event({ eventKey: key, confidence: 0.6, bbox: [10, 20, 30, 40], snapshotPath: 'b.jpg', newView: true, startTime: t0, endTime: t0 }));
        await repos.events.upsert(event({ eventKey: key, confidence: 0.95, bbox: null, snapshotPath: null, startTime: t0, endTime: new Date(t0.getTime() + 1000) }));
        expect(await repos.events.get(id)).toMatchObject({ confidence: 0.95, bounding_box: [10, 20, 30, 40], snapshot_path: 'b.jpg' });
      });

      it('pages newest first through every row exactly once', async () => {
        const camera = cam('pages');
        const base = Date.now() - 3_600_000;
        const ids: number[] = [];
        // two events share a start_time: the id breaks the tie
        for (const offset of [0, 1000, 1000, 2000, 3000, 4000, 5000]) {
          ids.push(await repos.events.upsert(event({ eventKey: `${run}-p${ids.length}`, cameraId: camera, startTime: new Date(base + offset) })));
        }
        const seen: number[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page++) {
          const res = await repos.events.list({ cameraIds: [camera], limit: 3, cursor });
          expect(res.items.length).toBeLessThanOrEqual(3);
          seen.push(...res.items.map((e) => e.id));
          if (!res.nextCursor) break;
          cursor = res.nextCursor;
        }
        const expected = ids.map((id, i) => ({ id, t: base + [0, 1000, 1000, 2000, 3000, 4000, 5000][i]! }))
          .sort((a, b) => b.t - a.t || b.id - a.id).map((e) => e.id);
        expect(seen).toEqual(expected);
      });

      it('filters by camera, label and time range', async () => {
        const camera = cam('filter');
        const base = Date.now() - 7_200_000;
        await repos.events.upsert(event({ eventKey: `${run}-f1`, cameraId: camera, label: 'person', startTime: new Date(base) }));
        await repos.events.upsert(event({ eventKey: `${run}-f2`, cameraId: camera, label: 'car', startTime: new Date(base + 1000) }));
        await repos.events.upsert(event({ eventKey: `${run}-f3`, cameraId: camera, label: 'person', startTime: new Date(base + 2000) }));
        const keys = async (f: Parameters<Repositories['events']['list']>[0]) => (await repos.events.list(f)).items.map((e) => e.event_key);
        expect(await keys({ cameraIds: [camera], label: 'person', limit: 10 })).toEqual([`${run}-f3`, `${run}-f1`]);
        expect(await keys({ cameraIds: [camera], from: new Date(base + 1000), to: new Date(base + 2000), limit: 10 })).toEqual([`${run}-f2`]);
      });

      it('rejects a malformed cursor', async () => {
        const b64 = (s: string) => Buffer.from(s).toString('base64url');
        for (const cursor of ['not a cursor!', b64('garbage'), b64('["yesterday", 1]'), b64('["2024-01-01T00:00:00Z"]'), '']) {
          await expect(repos.events.list({ limit: 5, cursor })).rejects.toThrow(InvalidCursorError);
        }
      });
    });

    describe('concurrent writers', () => {
      // PGlite runs one statement at a time; a pool runs these side by side, as fleet processes do
      const ROUNDS = 3;
      let triggers = 0;
      const newAlert = async (): Promise<number> => {
        const at = new Date(Date.now() - 60_000 + ++triggers);
        const r = await repos.alerts.recordTrigger({
          key: `${cam('race')}:rule:loiter:${triggers}`, ruleId: 'loiter', ruleName: 'Loitering', ruleType: 'loitering',
          cameraId: cam('race'), at, startedAt: at, trackIds: [triggers], label: 'person', confidence: 0.8, bbox: [0, 0, 10, 10],
          severity: 'critical', night: false, alert: true, testMode: false, title: 'Person loitering', details: {},
        });
        return r.alertId!;
      };
      class Refused extends Error {}
      /** a lifecycle change allowed only from `from`, as the alerts domain checks it on the locked row */
      const change = (id: number, kind: StatusChange['change'], by: string, from: AlertStatus[]) =>
        repos.alerts.changeStatus(id, { change: kind, to: kind === 'ack' ? 'ack' : 'resolved', by, byUserId: null, note: null }, (before) => {
          if (!from.includes(before.status)) throw new Refused(`alert ${id} is ${before.status}`);
        });
      const outcomes = (results: PromiseSettledResult<unknown>[]) => {
        for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof Refused)) throw r.reason;
        return results.map((r) => r.status);
      };
      const changesOf = async (id: number) => (await repos.alerts.history(id)).map((h) => `${h.change}:${h.by ?? ''}`);

      it('lets exactly one of several racing acks win; the others see the alert acknowledged', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const id = await newAlert();
          const acks = ['a', 'b', 'c', 'd'].map((who) => change(id, 'ack', `user:${who}`, ['new']));
          const settled = outcomes(await Promise.allSettled(acks));
          expect(settled.filter((s) => s === 'fulfilled')).toHaveLength(1);
          const winner = `user:${['a', 'b', 'c', 'd'][settled.indexOf('fulfilled')]}`;
          expect(await changesOf(id)).toEqual(['new:', `ack:${winner}`]);
          expect(await repos.alerts.get(id)).toMatchObject({ status: 'ack', acked_by: winner });
        }
      });

      it('resolves once when a resolve and a false positive race', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const id = await newAlert();
          const settled = outcomes(await Promise.allSettled([
            change(id, 'resolved', 'user:r', ['new', 'ack']), change(id, 'false_positive', 'user:f', ['new', 'ack']),
          ]));
          expect(settled.filter((s) => s === 'fulfilled')).toHaveLength(1);
          const [kind, by] = settled[0] === 'fulfilled' ? ['resolved', 'user:r'] : ['false_positive', 'user:f'];
          expect(await changesOf(id)).toEqual(['new:', `${kind}:${by}`]);
          expect(await repos.alerts.get(id)).toMatchObject({ status: 'resolved', resolved_by: by, false_positive: kind === 'false_positive' });
        }
      });

      it('orders a racing ack and resolve: both when the ack came first, else the resolve alone', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const id = await newAlert();
          const settled = outcomes(await Promise.allSettled([change(id, 'ack', 'user:a', ['new']), change(id, 'resolved', 'user:r', ['new', 'ack'])]));
          expect(settled[1]).toBe('fulfilled');
          const history = await changesOf(id);
          expect(history).toEqual(settled[0] === 'fulfilled' ? ['new:', 'ack:user:a', 'resolved:user:r'] : ['new:', 'resolved:user:r']);
          expect((await repos.alerts.get(id))?.status).toBe('resolved');
        }
      });

      it('publishes every outbox row exactly once, in id order, with two relays at once', async () => {
        // rows of earlier tests may be pending too: both relays drain the whole outbox
        for (let i = 0; i < 6; i++) await newAlert();
        const pending = (await repos.alerts.outboxPending(10_000)).map((r) => r.id);
        const published: number[] = [];
        const relay = async () => {
          // a relay keeps going while the other one holds the outbox, as long as rows are pending
          for (let turns = 0; turns < 10_000; turns++) {
            const outcome = await repos.alerts.publishNextOutbox(async (row) => {
              published.push(row.id);
              // the bus round trip: the other relay runs meanwhile (not a store query: PGlite would wait for this transaction)
              await new Promise((resolve) => setTimeout(resolve, 2));
            }, () => new Date());
            if (outcome === 'empty') return;
            if (outcome === 'busy') await new Promise((resolve) => setTimeout(resolve, 1));
          }
        };
        await Promise.all([relay(), relay()]);
        expect(published.filter((id) => pending.includes(id))).toEqual(pending);
        expect(new Set(published).size).toBe(published.length);
        expect(await repos.alerts.outboxBacklog()).toBe(0);
      });

      it('keeps one row per event key when upserts of one event race', async () => {
        const key = `${run}-race`;
        const t0 = new Date(Date.now() - 60_000);
        const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => repos.events.upsert(event({
          eventKey: key, confidence: 0.5 + i / 100, startTime: new Date(t0.getTime() + i * 1000), endTime: new Date(t0.getTime() + i * 1000),
        }))));
        expect(new Set(ids).size).toBe(1);
        expect((await store.query('SELECT count(*)::int AS n FROM events WHERE event_key = $1', [key])).rows).toEqual([{ n: 1 }]);
        expect(await repos.events.get(ids[0]!)).toMatchObject({ confidence: 0.57, start_time: t0, end_time: new Date(t0.getTime() + 7000) });
      });

      it('records a trigger once when its replays race', async () => {
        const at = new Date(Date.now() - 30_000);
        const t = {
          key: `${cam('race')}:rule:replay:1`, ruleId: 'loiter', ruleName: 'Loitering', ruleType: 'loitering' as const,
          cameraId: cam('race'), at, startedAt: at, trackIds: [1], label: 'person', confidence: 0.8, bbox: [0, 0, 10, 10] as BBox,
          severity: 'critical' as const, night: false, alert: true, testMode: false, title: 'Person loitering', details: {},
        };
        const results = await Promise.all(Array.from({ length: 4 }, () => repos.alerts.recordTrigger(t)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.alertId)).size).toBe(1);
        expect((await store.query('SELECT count(*)::int AS n FROM alerts WHERE event_key = $1', [t.key])).rows).toEqual([{ n: 1 }]);
      });
    });

    describe('segments repository', () => {
      const t = (s: number) => new Date(Date.UTC(2025, 0, 20, 14, 30, s));

      it('upserts by path and lists overlapping, oldest, ended-before and open segments', async () => {
        const camera = cam('seg');
        const p = (n: number) => `${camera}/20250120/1430${n}0.ts`;
        const paths = (rows: { path: string }[]) => rows.map((r) => r.path);
        const seg = (n: number, status: 'open' | 'closed', end: Date | null, bytes = 0) =>
          repos.segments.upsert({ cameraId: camera, path: p(n), startTime: t(n * 10), endTime: end, bytes, status });
        await seg(0, 'open', null);
        await seg(0, 'closed', t(10), 1000);
        await seg(1, 'closed', t(20), 2000);
        await seg(2, 'open', null);
        const all = await repos.segments.list(camera, t(0), t(60));
        expect(all.map((s) => [s.path, s.status, s.bytes])).toEqual([[p(0), 'closed', 1000], [p(1), 'closed', 2000], [p(2), 'open', 0]]);
        expect(all[0]).toMatchObject({ camera_id: camera, start_time: t(0), end_time: t(10) });
        expect(paths(await repos.segments.list(camera, t(12), t(15)))).toEqual([p(1)]);
        expect(paths(await repos.segments.list(camera, t(50), t(60)))).toEqual([p(2)]);
        expect(paths(await repos.segments.oldest(1, camera))).toEqual([p(0)]);
        expect(paths(await repos.segments.endedBefore(camera, t(15), 10))).toEqual([p(0)]);
        expect(paths(await repos.segments.open(camera))).toEqual([p(2)]);
        expect(paths(await repos.segments.open())).toContain(p(2));
        expect(await repos.segments.stats(camera)).toEqual({ segments: 3, bytes: 3000, first: t(0), last: t(20) });
        await repos.segments.remove(p(0));
        expect(paths(await repos.segments.oldest(5, camera))).toEqual([p(1)]);
        expect(await repos.segments.stats(cam('none'))).toEqual({ segments: 0, bytes: 0, first: null, last: null });
      });

      it('keeps one open gap per camera and closes it', async () => {
        const camera = cam('gap');
        await repos.segments.openGap(camera, t(0), 'source lost', 'unreachable');
        await repos.segments.openGap(camera, t(5), 'source lost again', 'stalled');
        expect(await repos.segments.gaps(camera, t(0), t(60))).toEqual([{ camera_id: camera, start_time: t(0), end_time: null, cause: 'source lost', kind: 'unreachable' }]);
        await repos.segments.closeGap(camera, t(30));
        await repos.segments.openGap(camera, t(40), 'timeout', 'unreachable');
        const gaps = await repos.segments.gaps(camera, t(0), t(60));
        expect(gaps.map((g) => [g.start_time, g.end_time, g.cause])).toEqual([[t(0), t(30), 'source lost'], [t(40), null, 'timeout']]);
        expect((await repos.segments.gaps(camera, t(31), t(39)))).toEqual([]);
      });

      it('records the footage the sweep deleted as one deletion gap per run, and keeps runs of other causes apart', async () => {
        const camera = cam('deleted');
        const p = (i: number) => `${camera}/20250120/deleted_${i}.ts`;
        for (const i of [0, 1, 2, 4]) await repos.segments.upsert({ cameraId: camera, path: p(i), startTime: t(i * 10), endTime: t(i * 10 + 10), bytes: 10, status: 'closed' });
        for (const i of [0, 1, 2]) await repos.segments.removeDeleted(p(i), 'by retention');
        await repos.segments.removeDeleted(p(4), 'by budget');
        await repos.segments.removeDeleted(p(9), 'by retention'); // not indexed: nothing to record
        expect(await repos.segments.list(camera, t(0), t(60))).toEqual([]);
        const gaps = await repos.segments.gaps(camera, t(0), t(60));
        expect(gaps.map((g) => [g.start_time, g.end_time, g.cause, g.kind])).toEqual([[t(0), t(30), 'by retention', 'deleted'], [t(40), t(50), 'by budget', 'deleted']]);
      });
    });
  });
}

function event(over: Partial<EventInput> & { eventKey: string }): EventInput {
  return {
    cameraId: 'contract_cam', eventType: 'detection', label: 'person', confidence: 0.6, bbox: [0, 0, 10, 10],
    snapshotPath: null, startTime: new Date(), endTime: null, ...over,
  };
}

function randomVector(): number[] {
  return Array.from({ length: 512 }, () => Math.random() - 0.5);
}
