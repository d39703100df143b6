/**
 * Event clips against real recordings: a camera worker records the simulator into PGlite's
 * segment index; events written through the event repository schedule clip jobs (trigger of
 * migration 004); the scheduler makes each clip available once the post-roll is recorded — also
 * when it was restarted, on a reopened database, in between — and the MP4 is cut from the
 * segments only when it is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.ts';
import { TestAuth } from '../fixtures/api-auth.ts';
import { Health } from '../../src/core/health.ts';
import { createLogger } from '../../src/core/log.ts';
import { clipMaterialiser } from '../../src/media/clips/materialise.ts';
import { ClipScheduler, clipKey } from '../../src/media/clips/scheduler.ts';
import { reconcile, SegmentIndexer } from '../../src/media/segment-index.ts';
import { createDiskObjects } from '../../src/objects/disk.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.ts';
import { ffprobe } from '../fixtures/ffprobe.ts';
import { recordSample, type SampleRecording } from '../fixtures/sample-recording.ts';
import { until } from '../fixtures/until.ts';
import { LiveCameras } from '../../src/config/live-cameras.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest-main.h264'));
if (!hasFfmpeg) console.warn('skipping event clip tests: ffmpeg/ffprobe not found');
if (hasFfmpeg && !hasSample) console.warn('skipping event clip tests: sample clip .cache/samples/vtest-main.h264 not found (run npm run fetch-sample)');

const log = createLogger('silent');
const SEGMENT_SECONDS = 2;
const PRE = 2;
const POST = 2;


describe.skipIf(!hasFfmpeg || !hasSample)('event clips', () => {
  let dir = '';
  let recording: SampleRecording;
  let store: Store;
  let repos: Repositories;
  let auth: TestAuth;
  const paths = () => ({ recordings: path.join(dir, 'recordings'), objects: path.join(dir, 'objects'), db: path.join(dir, 'db'), tmp: path.join(dir, 'tmp') });
  const scheduler = (over: Partial<ConstructorParameters<typeof ClipScheduler>[0]> = {}) => new ClipScheduler({
    repos, objects: createDiskObjects(paths().objects), recordingsDir: paths().recordings,
    preSeconds: PRE, postSeconds: POST, segmentSeconds: SEGMENT_SECONDS, log, pollMs: 200, ...over,
  });
  /** the API as a signed-in viewer */
  const api = async () => {
    const objects = createDiskObjects(paths().objects);
    const clips = clipMaterialiser({ segments: repos.segments, objects, recordingsDir: paths().recordings, tmpDir: paths().tmp, preSeconds: PRE, postSeconds: POST });
    const app = buildApi({ auth: auth.stack, cameras: new LiveCameras(), repos, objects, clips, store, health: new Health(), status: () => undefined, version: 't', startedAt: new Date(), log });
    return { inject: (await auth.as(app, 'viewer')).inject, close: () => app.close() };
  };
  const event = (key: string, start: Date, end: Date) => repos.events.upsert({
    eventKey: key, cameraId: 'cam_c', eventType: 'detection', label: 'person', confidence: 0.9, bbox: null, snapshotPath: null, startTime: start, endTime: end,
  });
  const closedUntil = async (t: Date) => (await repos.segments.list('cam_c', t, new Date(t.getTime() + 1))).some((s) => s.status === 'closed');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-clips-'));
    store = await openStore({ kind: 'pglite' }, paths().db, log);
    repos = createRepositories(store);
    auth = await TestAuth.open({ repos });
    recording = await recordSample({ cameraId: 'cam_c', recordingsDir: paths().recordings, segments: repos.segments, segmentSeconds: SEGMENT_SECONDS, log });
    await until('recording', 20_000, async () => ((await repos.segments.stats('cam_c')).segments >= 2 ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await recording?.stop();
    await auth?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes the clip available without a copy, and cuts it from the segments when downloaded: the event, pre- and post-roll', async () => {
    const first = (await repos.segments.list('cam_c', new Date(0), new Date()))[0]!;
    const start = new Date(first.start_time.getTime() + 4000);
    const end = new Date(start.getTime() + 2000);
    // due once the post-roll and one more segment length have passed
    const due = end.getTime() + (POST + SEGMENT_SECONDS) * 1000;
    await until('the post-roll recorded', 30_000, async () => (Date.now() > due && (await closedUntil(new Date(end.getTime() + POST * 1000))) ? true : undefined));
    const id = await event('cam_c:past', start, end);
    const job = await repos.clips.get('cam_c:past');
    expect(job).toMatchObject({ status: 'pending', event_id: id, camera_id: 'cam_c' });

    expect(await scheduler().runDue()).toBe(1);
    const row = await repos.events.get(id);
    expect(row!.clip_path).toBe(clipKey(job!));
    expect(row!.clip_path).toMatch(new RegExp(`^cam_c/\\d{8}/${id}\\.mp4$`));
    expect((await repos.clips.get('cam_c:past'))!.status).toBe('done');
    // no MP4 exists until someone asks for one
    const objects = createDiskObjects(paths().objects);
    expect(await objects.head('event-clips', row!.clip_path!)).toBeNull();

    const server = await api();
    const one = JSON.parse((await server.inject(`/api/v1/events/${id}`)).body);
    expect(one.clip_url).toBe(`/api/v1/events/${id}/clip`);
    const [clip, again] = await Promise.all([server.inject(one.clip_url), server.inject(one.clip_url)]);
    expect([clip.statusCode, clip.headers['content-type']]).toEqual([200, 'video/mp4']);
    expect(again.rawPayload.equals(clip.rawPayload)).toBe(true);
    await server.close();
    // cached where the storage budget counts it (the clip cache)
    expect((await objects.head('event-clips', row!.clip_path!))!.size).toBe(clip.rawPayload.length);

    const file = path.join(dir, 'clip.mp4');
    await writeFile(file, clip.rawPayload);
    const duration = Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]));
    expect(Math.abs(duration - (PRE + 2 + POST))).toBeLessThanOrEqual(1);
    // the clip says when it starts: within a GOP of start - pre-roll, so it contains the event
    const created = Date.parse(await ffprobe(['-show_entries', 'format_tags=creation_time', '-of', 'csv=p=0', file]));
    expect(Math.abs(created - (start.getTime() - PRE * 1000))).toBeLessThanOrEqual(1000);
    expect(created + duration * 1000).toBeGreaterThan(end.getTime());

    // a later extension of the event makes the clip again, dropping the cached shorter one
    await event('cam_c:past', start, new Date(end.getTime() + 500));
    expect((await repos.clips.get('cam_c:past'))!.status).toBe('pending');
    await until('the longer clip available', 30_000, async () => ((await scheduler().runDue()) === 1 ? true : undefined));
    expect(await objects.head('event-clips', row!.clip_path!)).toBeNull();
  });

  it('answers 404 with the reason when the footage of a clip is no longer stored', async () => {
    const first = (await repos.segments.list('cam_c', new Date(0), new Date()))[0]!;
    const id = await event('cam_c:gone', first.start_time, new Date(first.start_time.getTime() + 500));
    await until('the clip available', 30_000, async () => ((await scheduler().runDue()) >= 1 && (await repos.events.get(id))!.clip_path ? true : undefined));
    // the storage sweep deleted the footage (as under a full budget)
    const gone = await repos.segments.list('cam_c', new Date(first.start_time.getTime() - PRE * 1000), new Date(first.start_time.getTime() + 500 + POST * 1000));
    for (const s of gone) await repos.segments.remove(s.path);
    const server = await api();
    const res = await server.inject(`/api/v1/events/${id}/clip`);
    await server.close();
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).message).toBe(`the footage of event ${id} is no longer stored`);
  });

  it('waits for the post-roll, and a job pending across a restart is made available after it', async () => {
    const end = new Date();
    const id = await event('cam_c:live', new Date(end.getTime() - 1000), end);
    const early = scheduler();
    early.start();
    // due at end + post-roll + one segment = 4 s after the event: nothing may happen before
    await new Promise((r) => setTimeout(r, 1500));
    await early.stop();
    expect(await repos.clips.get('cam_c:live')).toMatchObject({ status: 'pending', attempts: 0, clip_key: null });
    expect((await repos.events.get(id))!.clip_path).toBeNull();

    // "restart": the database is closed and opened again, the index reconciled with the files
    // written meanwhile (as the edge role does at start), and a new scheduler starts
    recording.detach();
    await recording.indexer.flush();
    await store.close();
    store = await openStore({ kind: 'pglite' }, paths().db, log);
    repos = createRepositories(store);
    await auth.close();
    auth = await TestAuth.open({ repos });
    recording.indexer = new SegmentIndexer(repos.segments, log);
    recording.detach = recording.indexer.attach(recording.worker);
    await reconcile(paths().recordings, repos.segments, ['cam_c'], log);
    const after = scheduler();
    after.start();
    try {
      const done = await until('the clip after the restart', 30_000, async () => {
        const j = await repos.clips.get('cam_c:live');
        return j?.status === 'done' ? j : undefined;
      });
      expect(Date.now()).toBeGreaterThanOrEqual(end.getTime() + (POST + SEGMENT_SECONDS) * 1000);
      expect((await repos.events.get(id))!.clip_path).toBe(done.clip_key);
      const res = await (await api()).inject(`/api/v1/events/${id}/clip`);
      expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'video/mp4']);
    } finally {
      await after.stop();
    }
  });

  it('retries a clip it cannot cut, with the cause, and gives the slot back', async () => {
    // footage from before the recording started: there is none
    const start = new Date(Date.now() - 3600_000);
    await event('cam_c:none', start, new Date(start.getTime() + 1000));
    const s = scheduler();
    expect(await s.runDue()).toBe(0);
    const job = await repos.clips.get('cam_c:none');
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job!.last_error).toMatch(/^no recordings for cam_c between /);
    expect(job!.not_before!.getTime()).toBeGreaterThan(Date.now());
    // in backoff: not claimed again yet
    expect(await s.runDue()).toBe(0);
    expect((await repos.clips.get('cam_c:none'))!.attempts).toBe(1);
  });
});
