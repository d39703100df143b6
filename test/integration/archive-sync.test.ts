/**
 * Storage tiers end to end on PGlite and real MPEG-TS files: the sync copies closed segments and
 * event clips to the archive and moves its durable cursor only after the copy is confirmed; an
 * unreachable archive deletes nothing and moves nothing; after it returns (and after a restart)
 * the sync catches up without writing a confirmed object twice; retention spares what is not
 * archived and what is held; the archive policy keeps held objects.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentObjectKey } from '../../src/archive/keys.ts';
import { runArchivePolicy } from '../../src/archive/policy.ts';
import { SEGMENT_STREAM_PREFIX } from '../../src/archive/segment-sync.ts';
import { ClipArchiver } from '../../src/archive/clip-archive.ts';
import { ArchiveSync } from '../../src/archive/sync-loop.ts';
import { Health } from '../../src/core/health.ts';
import { createLogger } from '../../src/core/log.ts';
import { registry } from '../../src/core/metrics.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { ClipMaterialiser } from '../../src/media/clips/materialise.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import type { Objects } from '../../src/objects/port.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories, type Repositories, type SegmentRow } from '../../src/store/repositories/index.ts';
import { StorageLedger } from '../../src/storage/ledger.ts';
import { runStorageSweep } from '../../src/storage/sweeper.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping archive sync test: ffmpeg not found');

const log = createLogger('silent');
const DAY = 86_400_000;

/** The archive behind a switch: down, every call fails like a dead NAS or S3 endpoint would. */
function switchableArchive(inner: Objects) {
  const state = { down: false, puts: [] as string[] };
  const gate = () => {
    if (state.down) throw Object.assign(new Error('connect ECONNREFUSED archive.example:9000'), { code: 'ECONNREFUSED' });
  };
  const objects: Objects = {
    put: async (b, k, body, t) => {
      gate();
      state.puts.push(`${b}/${k}`);
      return inner.put(b, k, body, t);
    },
    get: async (b, k) => (gate(), inner.get(b, k)),
    stream: async (b, k, r) => (gate(), inner.stream(b, k, r)),
    head: async (b, k) => (gate(), inner.head(b, k)),
    delete: async (b, k) => (gate(), inner.delete(b, k)),
    list: (b, p) => (gate(), inner.list(b, p)),
    presignGet: async (b, k, s) => (gate(), inner.presignGet(b, k, s)),
    applyLifecycle: async (b, r) => (gate(), inner.applyLifecycle(b, r)),
    setLegalHold: async (b, k, on) => (gate(), inner.setLegalHold(b, k, on)),
  };
  return { objects, state };
}

describe.skipIf(!hasFfmpeg)('archive sync', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-archive-sync-'));
  const recordings = path.join(root, 'recordings');
  const archiveDir = path.join(root, 'archive');
  let store: Store;
  let repos: Repositories;
  let local: Objects;
  const archive = switchableArchive(createDiskObjects(archiveDir));
  const base = Date.UTC(2025, 0, 20, 10, 0, 0);
  const made: string[] = []; // real TS segment files made by ffmpeg, used round-robin

  /** Indexes a segment file of camera `cam` starting `i` × 10 s after base. */
  async function segment(cam: string, i: number, status: 'open' | 'closed' = 'closed'): Promise<string> {
    const start = new Date(base + i * 10_000);
    const rel = `${cam}/20250120/${start.toISOString().slice(11, 19).replace(/:/g, '')}_000001.ts`;
    mkdirSync(path.dirname(path.join(recordings, rel)), { recursive: true });
    const src = made[(i + cam.length) % made.length]!;
    spawnSync('cp', [src, path.join(recordings, rel)]);
    const bytes = readFileSync(src).length;
    await repos.segments.upsert({ cameraId: cam, path: rel, startTime: start, endTime: status === 'open' ? null : new Date(start.getTime() + 10_000), bytes, status });
    return rel;
  }
  const rows = async (cam: string): Promise<SegmentRow[]> => repos.segments.list(cam, new Date(0), new Date(base + DAY));
  // clips are cut from the recording on demand (test/integration/event-clips.test.ts); here a stand-in cuts them
  const materialiser: ClipMaterialiser = {
    materialise: async (e) => (await local.put('event-clips', e.clip_path, Buffer.from('clip one')), e.clip_path),
  };
  const clipArchiver = () => new ClipArchiver({ clips: repos.clips, materialiser, source: local, target: archive.objects, log, lookbackMs: DAY });
  const newSync = () => new ArchiveSync({
    archive: repos.archive, segments: repos.segments, recordingsDir: recordings, cameraIds: ['cam_a', 'cam_b'],
    target: archive.objects, clips: clipArchiver(), intervalMs: 50, retryMaxMs: 200, health: new Health(), log, batchSize: 3,
  });
  const syncAll = async (sync: ArchiveSync) => {
    let total = 0;
    for (let r = await sync.round(); ; r = await sync.round()) {
      total += r.uploaded;
      if (!r.more) return total;
    }
  };
  const archivedBytes = (rel: string) => readFileSync(path.join(archiveDir, 'video-segments', segmentObjectKey(rel)));
  const localBytes = (rel: string) => readFileSync(path.join(recordings, rel));

  beforeAll(async () => {
    const gen = path.join(root, 'gen');
    mkdirSync(gen);
    const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '4', '-c:v', 'libx264', '-g', '10',
      '-f', 'segment', '-segment_time', '1', '-segment_format', 'mpegts', path.join(gen, 'seg%d.ts')]);
    expect(r.status, r.stderr.toString()).toBe(0);
    made.push(...readdirSync(gen).sort().map((f) => path.join(gen, f)));
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store);
    local = createDiskObjects(path.join(root, 'objects'));
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('copies closed segments and event clips with identical bytes, moves the cursor, never passes the open segment', async () => {
    const a = [await segment('cam_a', 0), await segment('cam_a', 1), await segment('cam_a', 2), await segment('cam_a', 3)];
    const b = [await segment('cam_b', 0)];
    const open = await segment('cam_a', 4, 'open');
    // an event whose clip became available: the archive materialises and uploads it
    await repos.events.upsert({ eventKey: 'a1', cameraId: 'cam_a', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: null, startTime: new Date(base), endTime: new Date(base + 1000) });
    const [job] = await repos.clips.claim({ now: new Date(), endedBefore: new Date(), staleBefore: new Date(0), limit: 1 });
    await repos.clips.complete(job!, 'cam_a/20250120/1.mp4', new Date());

    const sync = newSync();
    expect(await syncAll(sync)).toBe(6);
    for (const rel of [...a, ...b]) expect(archivedBytes(rel).equals(localBytes(rel))).toBe(true);
    expect(existsSync(path.join(archiveDir, 'video-segments', segmentObjectKey(open)))).toBe(false);
    expect((await archive.objects.get('event-clips', 'cam_a/20250120/1.mp4')).toString()).toBe('clip one');

    const lastClosed = (await rows('cam_a')).find((r) => r.path === a[3])!;
    expect(await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_a')).toMatchObject({ last_id: lastClosed.id, last_start: lastClosed.start_time });
    expect((await sync.lag()).get('cam_a')).toEqual({ segments: 0, bytes: 0 });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/archive_sync_lag_segments\{camera_id="cam_a"\} 0/);
    expect(metrics).toMatch(/archive_last_sync_timestamp_seconds\{camera_id="cam_b"\} \d{10}/);

    // a steady state writes nothing
    archive.state.puts.length = 0;
    expect(await syncAll(sync)).toBe(0);
    expect(archive.state.puts).toEqual([]);
  });

  it('while the archive is unreachable: nothing deleted locally, cursors unchanged, retention spares the unarchived', async () => {
    const [openRow] = await repos.segments.open('cam_a');
    await repos.segments.upsert({ cameraId: 'cam_a', path: openRow!.path, startTime: openRow!.start_time, endTime: new Date(openRow!.start_time.getTime() + 10_000), bytes: openRow!.bytes, status: 'closed' });
    await segment('cam_a', 5);
    await segment('cam_b', 1);
    const before = [await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_a'), await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_b')];

    archive.state.down = true;
    const health = new Health();
    const loop = new ArchiveSync({
      archive: repos.archive, segments: repos.segments, recordingsDir: recordings, cameraIds: ['cam_a', 'cam_b'],
      target: archive.objects, clips: clipArchiver(), intervalMs: 50, retryMaxMs: 100, health, log,
    });
    loop.start();
    for (let i = 0; i < 100 && health.snapshot().archive?.state !== 'degraded'; i++) await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(health.snapshot().archive).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/ECONNREFUSED.*3 segments waiting/) });
    expect([await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_a'), await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_b')]).toEqual(before);
    expect(await registry.metrics()).toMatch(/archive_sync_lag_segments\{camera_id="cam_a"\} 2/);

    // eight days later everything is past its 7-day retention: only the archived segments go
    const all = [...await rows('cam_a'), ...await rows('cam_b')];
    const sweep = {
      repos, objects: local, paths: { dataDir: root, recordingsDir: recordings, objectsDir: path.join(root, 'objects'), dbDir: path.join(root, 'db') }, tmpDir: path.join(root, 'tmp'),
      cameras: [{ id: 'cam_a', retentionDays: 7 }, { id: 'cam_b', retentionDays: 7 }], config: configSchema.parse({ recording: { min_free_bytes: 0 } }),
      syncStream: SEGMENT_STREAM_PREFIX, ledger: new StorageLedger(), now: () => new Date(base + 8 * DAY), freeBytes: async () => 1e12, log,
    };
    const unarchived = all.filter((r) => r.id > (r.camera_id === 'cam_a' ? before[0]! : before[1]!).last_id);
    expect(unarchived).toHaveLength(3);
    // a range hold on cam_a's first segment keeps it too
    const holdId = await repos.archive.addHold({ cameraId: 'cam_a', from: new Date(base + 1000), to: new Date(base + 2000), reason: 'incident 7' });
    const r = await runStorageSweep(sweep);
    expect(r.deleted).toEqual([{ class: 'recordings', reason: 'age', files: all.length - unarchived.length - 1, bytes: expect.any(Number) }]);
    const left = [...await rows('cam_a'), ...await rows('cam_b')].map((x) => x.path).sort();
    expect(left).toEqual([all[0]!.path, ...unarchived.map((x) => x.path)].sort());
    for (const p of left) expect(existsSync(path.join(recordings, p))).toBe(true);
    await repos.archive.releaseHold(holdId);
  });

  it('after the archive returns and Vigil restarts: catches up, re-does a half copy, never rewrites a confirmed one', async () => {
    archive.state.down = false;
    await store.close();
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    repos = createRepositories(store);

    const pending = (await repos.archive.segmentsAfter('cam_a', (await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_a'))!.last_id, 10));
    expect(pending.map((p) => p.status)).toEqual(['closed', 'closed']);
    // the crash came after the first copy was complete but before the cursor moved; the second copy was cut short
    const [done, half] = pending as [SegmentRow, SegmentRow];
    await archive.objects.put('video-segments', segmentObjectKey(done.path), localBytes(done.path));
    await archive.objects.put('video-segments', segmentObjectKey(half.path), localBytes(half.path).subarray(0, 100));
    archive.state.puts.length = 0;

    expect(await syncAll(newSync())).toBe(2);
    expect(archive.state.puts.sort()).toEqual([`video-segments/${segmentObjectKey(half.path)}`, `video-segments/${segmentObjectKey((await rows('cam_b')).at(-1)!.path)}`].sort());
    for (const p of pending) expect(archivedBytes(p.path).equals(localBytes(p.path))).toBe(true);
    expect((await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_a'))!.last_id).toBe(half.id);
  }, 30_000);

  it('passes a segment whose file vanished before it was archived, marking it missing', async () => {
    const rel = await segment('cam_b', 2);
    renameSync(path.join(recordings, rel), path.join(root, 'elsewhere.ts'));
    await syncAll(newSync());
    expect((await rows('cam_b')).find((r) => r.path === rel)?.status).toBe('missing');
    const row = (await rows('cam_b')).find((r) => r.path === rel)!;
    expect((await repos.archive.cursor(SEGMENT_STREAM_PREFIX + 'cam_b'))!.last_id).toBe(row.id);
  });

  it('archive policy: deletes expired objects, keeps held ones', async () => {
    const held = (await rows('cam_a'))[0]!;
    await repos.archive.addHold({ bucket: 'video-segments', key: segmentObjectKey(held.path), reason: 'court order' });
    await repos.archive.addHold({ bucket: 'event-clips', key: 'cam_a/20250120/1.mp4', reason: 'alert 9' });
    const r = await runArchivePolicy({
      target: archive.objects, buckets: ['video-segments', 'event-clips'], keepDays: 30, holds: await repos.archive.activeHolds(),
      segmentSeconds: 10, now: new Date(Date.now() + 60 * DAY), log,
    });
    expect(r.held).toBe(2);
    const keys: string[] = [];
    for await (const o of archive.objects.list('video-segments')) keys.push(o.key);
    expect(keys).toEqual([segmentObjectKey(held.path)]);
    expect(await archive.objects.head('event-clips', 'cam_a/20250120/1.mp4')).not.toBeNull();
    expect(r.deleted).toBeGreaterThanOrEqual(6);
  });
});
