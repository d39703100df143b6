/**
 * The storage budget against a real recording: a camera worker records the simulator into PGlite's
 * segment index while snapshots and training data sit in the object store; the storage sweep runs
 * every half second under a budget a few segments above the database. Every sweep must end within
 * the budget, and delete in priority order: training data and snapshots before any recording, an
 * event's footage after plain recording, and an open alert's footage and snapshot last of all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.ts';
import { TestAuth } from '../fixtures/api-auth.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Health } from '../../src/core/health.ts';
import { createLogger } from '../../src/core/log.ts';
import { registry } from '../../src/core/metrics.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import type { Objects } from '../../src/objects/port.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories, type Repositories, type SegmentRow } from '../../src/store/repositories/index.ts';
import { dirUsage } from '../../src/storage/inventory.ts';
import { StorageLedger, type SweepResult } from '../../src/storage/ledger.ts';
import { scheduleStorageSweep } from '../../src/storage/sweeper.ts';
import { recordSample, type SampleRecording } from '../fixtures/sample-recording.ts';
import { until } from '../fixtures/until.ts';
import { LiveCameras } from '../../src/config/live-cameras.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest-main.h264'));
if (!hasFfmpeg) console.warn('skipping storage budget tests: ffmpeg not found');
if (hasFfmpeg && !hasSample) console.warn('skipping storage budget tests: sample clip .cache/samples/vtest-main.h264 not found (run npm run fetch-sample)');

const log = createLogger('silent');
const SEGMENT_SECONDS = 2;
const CAMERA = 'cam_s';

/** A ledger that keeps every sweep's result. */
class RecordingLedger extends StorageLedger {
  readonly sweeps: SweepResult[] = [];
  override record(r: SweepResult): void {
    this.sweeps.push(r);
    super.record(r);
  }
}

describe.skipIf(!hasFfmpeg || !hasSample)('storage budget', () => {
  let dir = '';
  let recording: SampleRecording;
  let store: Store;
  let repos: Repositories;
  let objects: Objects;
  const paths = () => ({ dataDir: dir, recordingsDir: path.join(dir, 'recordings'), objectsDir: path.join(dir, 'objects'), dbDir: path.join(dir, 'db') });
  const closed = async (): Promise<SegmentRow[]> => (await repos.segments.list(CAMERA, new Date(0), new Date(Date.now() + 60_000))).filter((s) => s.status === 'closed');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-storage-'));
    store = await openStore({ kind: 'pglite' }, paths().dbDir, log);
    repos = createRepositories(store);
    objects = createDiskObjects(paths().objectsDir);
    recording = await recordSample({ cameraId: CAMERA, recordingsDir: paths().recordingsDir, segments: repos.segments, segmentSeconds: SEGMENT_SECONDS, log });
    await until('four closed segments', 60_000, async () => ((await closed()).length >= 4 ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await recording?.stop();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every sweep within the budget, deleting in priority order', async () => {
    const [alerted, evidence] = await closed();
    // an event with an open alert on the first segment, an event without one on the second
    const event = (key: string, s: SegmentRow) => repos.events.upsert({
      eventKey: key, cameraId: CAMERA, eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: `${CAMERA}/tracks/${key}.jpg`,
      startTime: new Date(s.start_time.getTime() + 200), endTime: new Date(s.start_time.getTime() + 600),
    });
    const alertedId = await event('alerted', alerted!);
    await event('evidence', evidence!);
    await store.query(`INSERT INTO alerts (event_id, event_key, camera_id, severity, status, snapshot_path) VALUES ($1, 'alerted', $2, 'high', 'new', $3)`, [alertedId, CAMERA, `${CAMERA}/tracks/alerted.jpg`]);
    const jpeg = Buffer.alloc(40_000, 1);
    for (const key of ['alerted', 'evidence', 'other1', 'other2']) await objects.put('snapshots', `${CAMERA}/tracks/${key}.jpg`, jpeg);
    for (let i = 0; i < 10; i++) await objects.put('training-data', `auto/${CAMERA}/2025-01-20/${i}.jpg`, jpeg);

    const segmentBytes = Math.max(...(await closed()).map((s) => s.bytes));
    const fixed = (await dirUsage(paths().dbDir)).bytes;
    // the database (tens of MB, growing a little) plus about eight segments
    const budget = fixed + 8 * segmentBytes + 3_000_000;
    const config = configSchema.parse({
      storage: { budget_bytes: budget, newest_recording_minutes: (3 * SEGMENT_SECONDS) / 60 },
      clips: { pre_seconds: 0, post_seconds: 0 },
    });
    const ledger = new RecordingLedger();
    const stop = scheduleStorageSweep({
      repos, objects, paths: paths(), tmpDir: path.join(dir, 'tmp'), cameras: () => [{ id: CAMERA, retentionDays: 7 }],
      config: () => config, syncStream: null, ledger, log,
    }, 500);
    try {
      // long enough for the recording to outgrow the budget several times over
      await until('plain recording deleted for the budget, twice', 120_000, () => (ledger.sweeps.filter((r) => r.deleted.some((d) => d.class === 'recordings' && d.reason === 'budget')).length >= 2 ? true : undefined), 200);
      await until('a dozen segments recorded past the budget', 120_000, async () => ((await repos.segments.stats(CAMERA)).last!.getTime() > evidence!.start_time.getTime() + 24 * SEGMENT_SECONDS * 1000 ? true : undefined), 500);
    } finally {
      await stop();
    }

    for (const r of ledger.sweeps) {
      expect(r.budgetBytes).toBe(budget);
      expect(r.overBytes).toBe(0);
      expect(r.usedBytes).toBeLessThanOrEqual(budget);
      // no recording went while training data or a snapshot without an open alert was left
      if (r.deleted.some((d) => d.class === 'recordings')) {
        expect(r.usage['training-data'].bytes).toBe(0);
        expect(r.usage.snapshots.bytes).toBe(jpeg.length);
      }
    }
    const left = new Set((await closed()).map((s) => s.path));
    expect(left.has(alerted!.path)).toBe(true);
    expect(left.has(evidence!.path)).toBe(true);
    // what the sweep deleted is a gap with its cause on the timeline, not an unexplained hole
    const deletions = (await repos.segments.gaps(CAMERA, new Date(0), new Date(Date.now() + 60_000))).filter((g) => g.kind === 'deleted');
    expect(deletions.length).toBeGreaterThan(0);
    for (const g of deletions) expect(g.cause).toMatch(/storage budget/);
    expect([...await collect(objects, 'snapshots')]).toEqual([`${CAMERA}/tracks/alerted.jpg`]);
    expect([...await collect(objects, 'training-data')]).toEqual([]);
    // the files are gone from disk, not only from the index
    const onDisk = await dirUsage(paths().recordingsDir);
    expect(onDisk.bytes).toBeLessThanOrEqual(budget - fixed + 2 * segmentBytes);
    expect(await registry.metrics()).toMatch(/storage_deleted_bytes_total\{class="training-data",reason="budget"\} [1-9]/);

    const auth = await TestAuth.open({ repos });
    const app = buildApi({ auth: auth.stack, cameras: new LiveCameras(), repos, objects, store, health: new Health(), status: () => undefined, version: 't', startedAt: new Date(), log, storage: ledger });
    const report = JSON.parse((await (await auth.as(app, 'viewer')).inject('/api/v1/system/storage')).body);
    await app.close();
    await auth.close();
    expect(report).toMatchObject({ budget_bytes: budget, configured_budget_bytes: budget, over_budget_bytes: 0 });
    expect(report.classes.recordings.bytes).toBeGreaterThan(0);
    expect(Date.parse(report.classes.recordings.oldest)).toBe(alerted!.start_time.getTime());
    expect(report.deletion_order[0]).toBe('clip-cache');
    expect(report.write_bytes_per_day).toBeGreaterThan(0);
  }, 300_000);
});

async function collect(objects: Objects, bucket: 'snapshots' | 'training-data'): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const o of objects.list(bucket)) keys.add(o.key);
  return keys;
}
