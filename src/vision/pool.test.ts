import { afterEach, describe, expect, it } from 'vitest';
import { createDetectorPool, DetectorQueueFullError, type DetectorPool, type DetectorPoolOptions } from './pool.ts';

const fakeWorker = new URL('./testing/fake-detector-worker.ts', import.meta.url);
const base: DetectorPoolOptions = { model: 'centernet', classes: ['person'], thresholds: {}, default_threshold: 0.4, nms_iou: 0.5, workerUrl: fakeWorker };
const bytes = (text: string): Buffer => Buffer.from(text);

describe('detector pool (stand-in workers)', () => {
  let pool: DetectorPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('runs jobs on every worker and reports the queue depth', async () => {
    pool = await createDetectorPool({ ...base, workers: 2 });
    const jobs = ['a', 'bb', 'ccc', 'dddd'].map((t) => pool!.detect(bytes(t)));
    expect(pool.queueDepth()).toBe(4);
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.width)).toEqual([1, 2, 3, 4]);
    expect(new Set(results.map((r) => r.height)).size).toBe(2);
    expect(pool.queueDepth()).toBe(0);
  });

  it('leaves the caller\'s buffer usable (a copy is transferred)', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    const jpeg = bytes('frame');
    await pool.detect(jpeg);
    expect(jpeg.toString()).toBe('frame');
  });

  it('rejects beyond the bounded queue', async () => {
    pool = await createDetectorPool({ ...base, workers: 1, maxQueue: 1 });
    const inFlight = pool.detect(bytes('a'));
    const queued = pool.detect(bytes('b'));
    await expect(pool.detect(bytes('c'))).rejects.toBeInstanceOf(DetectorQueueFullError);
    await expect(Promise.all([inFlight, queued])).resolves.toHaveLength(2);
  });

  it('fails a bad frame without losing the worker', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    await expect(pool.detect(bytes('bad'))).rejects.toThrow(/detection failed: not a decodable image/);
    await expect(pool.detect(bytes('ok'))).resolves.toMatchObject({ width: 2 });
  });

  it('rejects the in-flight job of a crashed worker and replaces the worker', async () => {
    pool = await createDetectorPool({ ...base, workers: 1 });
    const queued = pool.detect(bytes('after'));
    await expect(pool.detect(bytes('crash'))).rejects.toThrow(/detector worker 0 crashed: exit code 3/);
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
  });
});
