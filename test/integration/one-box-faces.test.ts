import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { rootLogger } from '../../src/core/log.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext } from '../../src/roles/context.ts';
import { startFaceStage } from '../../src/roles/face-stage.ts';
import type { FaceEmbedder } from '../../src/vision/faces/types.ts';
import { authHeaders } from '../fixtures/api-auth.ts';

// counts face workers started; each would be a ~200 MB model set
const embedders = vi.hoisted(() => ({ created: 0, closed: 0 }));
vi.mock('../../src/vision/faces/embedder.ts', () => ({
  createFaceEmbedder: async (): Promise<FaceEmbedder> => {
    embedders.created++;
    return {
      model: 'faceres', dim: 1024,
      embedImage: async () => ({ embedding: Array.from({ length: 1024 }, (_, i) => (i % 7) - 3), box: [1, 1, 30, 30], quality: { score: 0.8, sizePx: 30, sharpness: 300, frontal: 0.9, detScore: 0.9 } }),
      embedFaceInCrop: () => Promise.reject(new Error('unused')),
      close: async () => void embedders.closed++,
    };
  },
}));

describe('one box: the api role and the inference face stage share one face embedder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-one-box-faces-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts it once for both, and closes it once with the context', async () => {
    const loaded = resolveConfig({
      sites: [{ id: 'main', cameras: [{ id: 'cam_a', url: 'rtsp://127.0.0.1:1/none' }] }],
      storage: { data_dir: dir }, api: { port: 0 },
    }, 'test');
    const ctx = await openContext(loaded, rootLogger);
    try {
      const faces = await startFaceStage(ctx);
      const api = await startApiRole(ctx);
      const operator = await authHeaders(api.url, ctx.repos, 'operator');
      const photo = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer();
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${api.url}/api/v1/search/faces?k=5`, { method: 'POST', headers: { ...operator, 'content-type': 'image/jpeg' }, body: photo });
        expect(res.status).toBe(200);
      }
      expect(embedders.created).toBe(1);
      await api.stop();
      await faces.role.stop();
      expect(embedders.closed).toBe(0);
    } finally {
      await closeContext(ctx);
    }
    expect(embedders).toEqual({ created: 1, closed: 1 });
  }, 60_000);
});
