import { describe, expect, it } from 'vitest';
import type { Caller } from '../../core/actor.ts';
import type { FaceRepo, FaceSearchOptions } from '../../store/repositories/faces.ts';
import { faceService } from './service.ts';
import type { FaceEmbedder } from './types.ts';

describe('face service', () => {
  const calls: unknown[][] = [];
  const faces = {
    searchSimilar: async (_e: unknown, o: FaceSearchOptions) => { calls.push(['search', o]); return []; },
    similarTo: async (id: number, o: FaceSearchOptions, source?: readonly string[]) => { calls.push(['similar', id, o, source]); return null; },
    identitySeenBy: async (id: number, cameras: readonly string[]) => id === 1 && cameras.includes('cam_a'),
    nameIdentity: async (...args: unknown[]) => { calls.push(['name', ...args]); return null; },
    listIdentities: async (o: unknown) => { calls.push(['identities', o]); return { items: [], nextCursor: null }; },
  } as unknown as FaceRepo;
  const embedder = { embedImage: async () => ({ embedding: [1, 0], box: [0, 0, 1, 1], quality: { score: 0.9 } }) } as unknown as FaceEmbedder;
  const service = faceService({ faces, faceEmbedder: async () => embedder });
  const gate: Caller = { kind: 'user', id: 3, name: 'gate', cameras: ['cam_a'] };

  it('a caller scoped to cam_a searches only faces cam_a saw; asking for cam_b finds nothing without a query', async () => {
    await service.search(gate, new Uint8Array(4), { k: 5 });
    expect(calls.at(-1)).toEqual(['search', { k: 5, cameraIds: ['cam_a'], from: undefined, to: undefined, minSimilarity: undefined }]);
    const n = calls.length;
    expect((await service.search(gate, new Uint8Array(4), { k: 5, camera: 'cam_b' })).matches).toEqual([]);
    expect(calls).toHaveLength(n);
  });

  it('a stored face of another camera is the source of no search, and identities are listed through the caller\'s cameras', async () => {
    await expect(service.similarTo(gate, 8, { k: 5 })).rejects.toMatchObject({ failure: 'not_found' });
    expect(calls.at(-1)).toMatchObject(['similar', 8, { cameraIds: ['cam_a'] }, ['cam_a']]);
    await service.identities(gate, { limit: 10 });
    expect(calls.at(-1)).toEqual(['identities', { limit: 10, cameraIds: ['cam_a'] }]);
  });

  it('naming an identity the caller\'s cameras never saw is not found and writes nothing', async () => {
    await expect(service.nameIdentity(gate, 2, 'Bob')).rejects.toMatchObject({ failure: 'not_found', message: 'no face identity with id 2' });
    expect(calls.some((c) => c[0] === 'name')).toBe(false);
    await expect(service.nameIdentity({ ...gate, ip: '10.0.0.9' }, 1, 'Ann')).rejects.toMatchObject({ failure: 'not_found' });
    expect(calls.at(-1)).toEqual(['name', 1, 'Ann', { userId: 3, ip: '10.0.0.9', by: 'user:gate' }]);
  });
});
