import { describe, expect, it } from 'vitest';
import { sharedFaceEmbedder } from './shared-embedder.ts';
import type { FaceEmbedder } from './types.ts';

function fakeEmbedder(onClose: () => void): FaceEmbedder {
  return {
    model: 'faceres', dim: 2,
    embedImage: () => Promise.reject(new Error('unused')),
    embedFaceInCrop: () => Promise.reject(new Error('unused')),
    close: async () => onClose(),
  };
}

describe('shared face embedder', () => {
  it('creates one embedder for every user, on first use, and closes it once', async () => {
    let created = 0;
    let closed = 0;
    const shared = sharedFaceEmbedder(async () => {
      created++;
      return fakeEmbedder(() => closed++);
    });
    expect(created).toBe(0);
    const [a, b] = await Promise.all([shared.get(), shared.get()]);
    const c = await shared.get();
    expect(created).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    await shared.close();
    expect(closed).toBe(1);
    await expect(shared.get()).rejects.toThrow(/closed/);
    expect(created).toBe(1);
  });

  it('retries a failed start on the next use; closing an unstarted one starts nothing', async () => {
    let attempts = 0;
    const shared = sharedFaceEmbedder(async () => {
      if (++attempts === 1) throw new Error('model missing');
      return fakeEmbedder(() => undefined);
    });
    await expect(shared.get()).rejects.toThrow('model missing');
    await expect(shared.get()).resolves.toMatchObject({ model: 'faceres' });
    expect(attempts).toBe(2);

    let unstarted = 0;
    const idle = sharedFaceEmbedder(async () => {
      unstarted++;
      return fakeEmbedder(() => undefined);
    });
    await idle.close();
    expect(unstarted).toBe(0);
  });
});
