/**
 * Leader election across processes: two `vigil run --roles analytics` on one PostgreSQL and one
 * Kafka. Exactly one runs the outbox relay; it is SIGKILLed while alerts keep being written. The
 * other takes the lease over, and every alert reaches alerts.critical: none lost, and none twice
 * except the one row a killed relay may have published without marking it (at-least-once, which
 * consumers dedupe by alert id).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTrigger } from '../../src/alerts/test-fixtures.ts';
import { openBus } from '../../src/bus/open.ts';
import type { Bus, Subscription } from '../../src/bus/port.ts';
import { TOPICS, type AlertMessage } from '../../src/core/types.ts';
import { createLogger } from '../../src/core/log.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.ts';
import { until } from '../fixtures/until.ts';
import { requireEngines } from './engines.ts';
import { createTestDatabase, type TestDatabase } from './postgres-db.ts';

const { env, missing } = requireEngines('postgres', 'kafka');
const REPO = path.resolve(import.meta.dirname, '../..');
const ALERTS = 30;
const KILL_AFTER = 10;
const LEASE_SECONDS = 3;

describe.skipIf(!!missing)('leader election across processes (PostgreSQL + Kafka)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-leader-'));
  const camera = `cam_lead_${randomBytes(4).toString('hex')}`;
  const children: ChildProcess[] = [];
  let db: TestDatabase;
  let store: Store;
  let repos: Repositories;
  let bus: Bus;
  let sub: Subscription;
  const seen: number[] = [];

  function startAnalytics(n: number): ChildProcess {
    const out = openSync(path.join(dir, `analytics-${n}.log`), 'w');
    const child = spawn(process.execPath, ['bin/vigil.js', 'run', '--config', path.join(dir, `vigil-${n}.yaml`), '--roles', 'analytics'], {
      cwd: REPO, stdio: ['ignore', out, out], env: { ...process.env, VIGIL_POSTGRES_URL: db.url },
    });
    closeSync(out);
    children.push(child);
    return child;
  }
  const logOf = (n: number) => readFileSync(path.join(dir, `analytics-${n}.log`), 'utf8');

  beforeAll(async () => {
    db = await createTestDatabase(env.postgres.POSTGRES_URL!);
    store = await db.open(4);
    repos = createRepositories(store);
    // a data dir each, as processes on two machines have (they share only the engines)
    for (const n of [1, 2]) {
      writeFileSync(path.join(dir, `vigil-${n}.yaml`), [
        `storage: { data_dir: ${JSON.stringify(path.join(dir, `data-${n}`))} }`,
        'store: { kind: postgres }',
        `bus: { kind: kafka, brokers: [${JSON.stringify(env.kafka.KAFKA_BROKERS)}], client_id: vigil-leader-test }`,
        `leadership: { lease_seconds: ${LEASE_SECONDS} }`,
        'log: { level: info }',
      ].join('\n'));
    }
    bus = await openBus({ kind: 'kafka', brokers: [env.kafka.KAFKA_BROKERS!], client_id: 'vigil-leader-test-reader' }, {}, createLogger('silent'));
    await bus.ensureTopic(TOPICS.alertsCritical);
    sub = await bus.subscribe<AlertMessage>({
      topic: TOPICS.alertsCritical, group: `leader-test-${camera}`, start: 'earliest',
      handler: async (rec) => {
        if (rec.value.camera_id === camera) seen.push(Number(rec.value.alert_id));
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await sub?.stop();
    await bus?.close();
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the survivor takes the outbox over when the leader is killed: no alert lost, none published twice but the one in flight', async () => {
    startAnalytics(1);
    startAnalytics(2);
    await until('both analytics processes running', 180_000, () => (logOf(1).includes('Vigil is running') && logOf(2).includes('Vigil is running') ? true : undefined))
      .catch((err: Error) => {
        throw new Error(`${err.message}\n--- analytics-1:\n${logOf(1).slice(-3000)}\n--- analytics-2:\n${logOf(2).slice(-3000)}`);
      });
    const lease = await until('an outbox-relay leader', 30_000, async () => (await repos.leases.get('outbox-relay')) ?? undefined);
    const leaderPid = Number(lease.holder.split(':')[1]);
    const leader = children.find((c) => c.pid === leaderPid)!;
    expect(leader, `the lease holder ${lease.holder} is one of the two processes`).toBeDefined();
    const survivor = children.find((c) => c !== leader)!;

    const written: number[] = [];
    for (let i = 0; i < ALERTS; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      const r = await repos.alerts.recordTrigger(sampleTrigger({ key: `${camera}:burst:${i}`, cameraId: camera, at, startedAt: at }));
      written.push(r.alertId!);
      if (i === KILL_AFTER) leader.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
    }

    await until('every alert on alerts.critical', 60_000, () => (written.every((id) => seen.includes(id)) ? true : undefined));
    const taken = await repos.leases.get('outbox-relay');
    expect(taken).toMatchObject({ epoch: lease.epoch + 1 });
    expect(Number(taken!.holder.split(':')[1])).toBe(survivor.pid);
    expect(await repos.alerts.outboxBacklog()).toBe(0);
    const twice = written.filter((id) => seen.filter((s) => s === id).length > 1);
    expect(twice.length, `alerts published more than once: ${twice.join(', ')}`).toBeLessThanOrEqual(1);
    expect(seen.every((id) => written.includes(id))).toBe(true);
  }, 360_000);
});
