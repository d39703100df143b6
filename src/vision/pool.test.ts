import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '../core/metrics.ts';
import type { DetectResult } from './detectors/types.ts';
import { createDetectorPool, DroppedFrameError, type DetectorPool, type DetectorPoolOptions } from './pool.ts';

const fakeWorker = new URL('./testing/fake-detector-worker.ts', import.meta.url);
const base: DetectorPoolOptions = { model: 'centernet', classes: ['person'], thresholds: {}, default_threshold: 0.4, nms_iou: 0.5, workerUrl: fakeWorker };
const bytes = (text: string): Buffer => Buffer.from(text);
const skipped = async (camera: string, reason: string): Promise<number> =>
  (await metrics.framesSkipped.get()).values.find((v) => v.labels.camera_id === camera && v.labels.reason === reason)?.value ?? 0;
const depthGauge = async (): Promise<number> => (await metrics.queueDepth.get()).values.find((v) => v.labels.model === 'centernet')?.value ?? NaN;

describe('detector pool (stand-in workers)', () => {
  let pool: DetectorPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('runs jobs on every worker and keeps the queue depth and its metric current', async () => {
    pool = await createDetectorPool({ ...base, workers: 2 });
    const jobs = ['a', 'bb', 'ccc', 'dddd'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `cam${i}` }));
    expect(pool.queueDepth()).toBe(4);
    expect(await depthGauge()).toBe(4);
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.width)).toEqual([1, 2, 3, 4]);
    expect(new Set(results.map((r) => r.height)).size).toBe(2);
    expect(pool.queueDepth()).toBe(0);
    expect(await depthGauge()).toBe(0);
  });

  it('leaves the caller\'s buffer usable (a copy is transferred)', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    const jpeg = bytes('frame');
    await pool.detect(jpeg);
    expect(jpeg.toString()).toBe('frame');
  });

  it('drops the oldest waiting frame of a camera whose queue is full, and counts it', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, maxQueuePerCamera: 2 });
    const before = await skipped('busy', 'queue_full');
    const inFlight = pool.detect(bytes('0'), undefined, { cameraId: 'busy' });
    const frames = ['1', '22', '333'].map((t) => pool!.detect(bytes(t), undefined, { cameraId: 'busy' }));
    const outcomes = await Promise.allSettled([inFlight, ...frames]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled' });
    const oldest = outcomes[1]!;
    expect(oldest.status).toBe('rejected');
    const err = (oldest as PromiseRejectedResult).reason as DroppedFrameError;
    expect(err).toBeInstanceOf(DroppedFrameError);
    expect(err).toMatchObject({ name: 'DroppedFrameError', cameraId: 'busy', reason: 'queue_full' });
    expect(outcomes.slice(2).map((o) => (o as PromiseFulfilledResult<DetectResult>).value.width)).toEqual([2, 3]);
    expect(await skipped('busy', 'queue_full')).toBe(before + 1);
  });

  it('serves cameras round-robin: a camera with a backlog does not starve another', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, maxQueuePerCamera: 10 });
    const order: string[] = [];
    const send = (cameraId: string, text: string): Promise<void> => pool!.detect(bytes(text), undefined, { cameraId }).then(() => void order.push(`${cameraId}:${text}`));
    const busy = ['1', '2', '3', '4', '5'].map((t) => send('busy', t));
    const quiet = send('quiet', 'q');
    await Promise.all([...busy, quiet]);
    // busy:1 was running and busy:2 waiting when quiet's frame arrived: quiet goes next, not after busy's backlog
    expect(order.slice(0, 3)).toEqual(['busy:1', 'busy:2', 'quiet:q']);
  });

  it('runs catch-up frames only when no live frame waits, and never drops them', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, maxQueuePerCamera: 1, deadlineMs: 60_000 });
    const order: string[] = [];
    const send = (text: string, tag: { cameraId: string; capturedAt?: number; priority?: 'live' | 'catchup' }): Promise<void> =>
      pool!.detect(bytes(text), undefined, tag).then(() => void order.push(text), () => void order.push(`dropped:${text}`));
    const hourAgo = Date.now() - 3_600_000;
    // an hour-old recorded backlog of one camera, more than its live queue would hold
    const backlog = ['r1', 'r2', 'r3'].map((t) => send(t, { cameraId: 'cam', capturedAt: hourAgo, priority: 'catchup' }));
    const live = ['L1', 'L2'].map((t, i) => send(t, { cameraId: `live${i}`, capturedAt: Date.now() }));
    await Promise.all([...backlog, ...live]);
    // r1 took the idle worker at once; the live frames that came while it ran go before the rest of the backlog
    expect(order).toEqual(['r1', 'L1', 'L2', 'r2', 'r3']);
  });

  it('drops frames not started within the deadline of their capture', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, deadlineMs: 50 });
    const before = await skipped('cam', 'stale');
    await expect(pool.detect(bytes('old'), undefined, { cameraId: 'cam', capturedAt: Date.now() - 1000 }))
      .rejects.toMatchObject({ name: 'DroppedFrameError', reason: 'stale' });
    // waits behind three 30 ms jobs of other cameras: past its 50 ms deadline when its turn comes
    const ahead = ['a', 'b', 'c'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `other${i}` }));
    const late = pool.detect(bytes('late'), undefined, { cameraId: 'cam', capturedAt: Date.now() });
    await expect(late).rejects.toThrow(/dropped \(stale\): not started within 50 ms of capture/);
    await Promise.all(ahead);
    await expect(pool.detect(bytes('fresh'), undefined, { cameraId: 'cam', capturedAt: Date.now() })).resolves.toMatchObject({ width: 5 });
    expect(await skipped('cam', 'stale')).toBe(before + 2);
  });

  it('batches waiting frames for a worker whose detector supports it', async () => {
    pool = await createDetectorPool({ ...base, classes: ['batch'], workers: 1, maxBatch: 3, maxQueuePerCamera: 4 });
    expect(pool.batch).toBe(3);
    const first = pool.detect(bytes('a'), undefined, { cameraId: 'c1' });
    const rest = ['b', 'c', 'd', 'e'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `c${i % 2}` }));
    const results = await Promise.all([first, ...rest]);
    // the stand-in reports the job's frame count as inferenceMs: 1 alone, then 3, then the last 1
    expect(results.map((r) => r.inferenceMs)).toEqual([1, 3, 3, 3, 1]);
    expect((await metrics.batchSize.get()).values[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('lets a free worker wait the batch window for its batch to fill, and counts the frames per call', async () => {
    const calls = async (frames: number): Promise<number> => (await metrics.batchFrames.get()).values
      .find((v) => v.metricName === 'ai_batch_frames_bucket' && (v.labels as Record<string, unknown>).le === frames)?.value ?? 0;
    const [ones, threes] = [await calls(1), await calls(3) - await calls(2)];
    pool = await createDetectorPool({ ...base, classes: ['batch'], workers: 1, maxBatch: 3, batchWindowMs: 60_000 });
    // without the window the idle worker would take the first frame alone; with it, the batch fills first
    const results = await Promise.all(['a', 'b', 'c'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `c${i}` })));
    expect(results.map((r) => r.inferenceMs)).toEqual([3, 3, 3]);
    expect(await calls(3) - await calls(2) - threes).toBe(1);
    expect(await calls(1)).toBe(ones);
  });

  it('runs a batch that does not fill once the window since its oldest frame has passed', async () => {
    pool = await createDetectorPool({ ...base, classes: ['batch'], workers: 1, maxBatch: 4, batchWindowMs: 80 });
    const sent = Date.now();
    const results = await Promise.all(['a', 'b'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `c${i}` })));
    expect(results.map((r) => r.inferenceMs)).toEqual([2, 2]);
    // a lower bound only: the window is a wait, so it cannot have run sooner
    expect(Date.now() - sent).toBeGreaterThanOrEqual(75);
  });

  it('never batches for a worker without batch support', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, maxBatch: 4 });
    expect(pool.batch).toBe(1);
    const results = await Promise.all(['a', 'b', 'c'].map((t) => pool!.detect(bytes(t), undefined, { cameraId: 'x' })));
    expect(results.map((r) => r.inferenceMs)).toEqual([1, 1, 1]);
  });

  it('fails a bad frame of a batch alone', async () => {
    pool = await createDetectorPool({ ...base, classes: ['batch'], workers: 1, maxBatch: 3 });
    const busy = pool.detect(bytes('first'));
    const batch = ['ok', 'bad'].map((t, i) => pool!.detect(bytes(t), undefined, { cameraId: `c${i}` }));
    const outcomes = await Promise.allSettled([busy, ...batch]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'detection failed: not a decodable image' });
  });

  it('fails a bad frame without losing the worker', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    await expect(pool.detect(bytes('bad'))).rejects.toThrow(/detection failed: not a decodable image/);
    await expect(pool.detect(bytes('ok'))).resolves.toMatchObject({ width: 2 });
  });

  it('rejects the in-flight job of a crashed worker and replaces the worker', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    const queued = pool.detect(bytes('after'), undefined, { cameraId: 'b' });
    await expect(pool.detect(bytes('crash'), undefined, { cameraId: 'a' })).rejects.toThrow(/detector worker 0 crashed: exit code 3/);
    // the job queued behind it runs on the replacement
    await expect(queued).resolves.toMatchObject({ width: 5 });
  });

  it('terminates a worker that does not answer in time', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, jobTimeoutMs: 300 });
    await expect(pool.detect(bytes('hang'))).rejects.toThrow(/no answer within 300 ms/);
    await expect(pool.detect(bytes('ok'))).resolves.toMatchObject({ width: 2 });
  });

  it('fails to start with the worker\'s error', async () => {
    await expect(createDetectorPool({ ...base, classes: ['fail-to-load'], workers: 2 })).rejects.toThrow(/failed to start: model file missing/);
  });

  it('rejects waiting and new jobs on close', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    const settled = Promise.allSettled([pool.detect(bytes('a')), pool.detect(bytes('b'))]);
    await pool.close();
    const outcomes = await settled;
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'resolved'))).toEqual(['detector pool closed', 'detector pool closed']);
    await expect(pool.detect(bytes('c'))).rejects.toThrow(/closed/);
    expect(await depthGauge()).toBe(0);
  });
});
