import { describe, expect, it } from 'vitest';
import { FaceModelsDownError, lazyFaceEmbedder } from './lazy-embedder.ts';
import type { FaceEmbedder, FaceResult } from './types.ts';

const RESULT: FaceResult = { embedding: [1, 0], box: [1, 1, 9, 9], quality: { score: 0.7, sizePx: 8, sharpness: 300, frontal: 0.8, detScore: 0.9 } };
const working = { embedFaceInCrop: async () => RESULT } as unknown as FaceEmbedder;

describe('lazyFaceEmbedder', () => {
  it('starts nothing until the first face is asked for', async () => {
    let starts = 0;
    const e = lazyFaceEmbedder({ get: async () => (starts++, working), onDown: () => {}, onUp: () => {} });
    expect(starts).toBe(0);
    await expect(e.embedFaceInCrop(new Uint8Array(1), [0, 0, 10, 10])).resolves.toEqual(RESULT);
    expect(starts).toBe(1);
  });

  it('reports a failed start once, fails requests at once until the retry, and reports the recovery', async () => {
    let t = 0;
    let starts = 0;
    let fail = true;
    const events: string[] = [];
    const e = lazyFaceEmbedder({
      get: async () => {
        starts++;
        if (fail) throw new Error('face worker failed to start: out of memory');
        return working;
      },
      onDown: (reason) => events.push(`down: ${reason}`),
      onUp: () => events.push('up'),
      retryMinMs: 1000, retryMaxMs: 4000, now: () => t,
    });
    const ask = () => e.embedFaceInCrop(new Uint8Array(1), [0, 0, 10, 10]);
    // two requests on the same failed start: one failure, one report
    const both = await Promise.allSettled([ask(), ask()]);
    expect(both.map((r) => r.status === 'rejected' && r.reason instanceof FaceModelsDownError)).toEqual([true, true]);
    expect(events).toEqual(['down: face worker failed to start: out of memory']);
    const tries = starts;
    t = 999;
    await expect(ask()).rejects.toThrow('face models not running: face worker failed to start: out of memory');
    expect(starts).toBe(tries); // within the wait: not tried again
    t = 1000;
    await expect(ask()).rejects.toBeInstanceOf(FaceModelsDownError);
    expect(starts).toBe(tries + 1);
    // the second failure doubles the wait
    t = 2999;
    await expect(ask()).rejects.toBeInstanceOf(FaceModelsDownError);
    expect(starts).toBe(tries + 1);
    fail = false;
    t = 3000;
    await expect(ask()).resolves.toEqual(RESULT);
    expect(events).toEqual(['down: face worker failed to start: out of memory', 'up']);
  });
});
