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
import { startSystemAlerts } from '../../src/roles/system-alerts.ts';
import type { FrameAnalysis } from '../../src/vision/analyzer.ts';
import type { FaceEmbedder } from '../../src/vision/faces/types.ts';
import { authHeaders } from '../fixtures/api-auth.ts';
import { until } from '../fixtures/until.ts';

// counts face workers started; each would be a ~200 MB model set
const embedders = vi.hoisted(() => ({ created: 0, closed: 0, failing: false }));
vi.mock('../../src/vision/faces/embedder.ts', () => ({
  createFaceEmbedder: async (): Promise<FaceEmbedder> => {
    embedders.created++;
    if (embedders.failing) throw new Error('face worker failed to start: exit code 1');
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
    expect(embedders).toEqual({ created: 1, closed: 1, failing: false });
  }, 60_000);
});

// a model name listed here resolves to a file that does not exist
const missingModels = vi.hoisted(() => new Set<string>());
vi.mock('../../src/vision/detectors/human-models.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/vision/detectors/human-models.ts')>();
  return { ...real, humanModelPath: (name: string) => (missingModels.has(name) ? `/nonexistent/${name}.json` : real.humanModelPath(name)) };
});

describe('the face stage starts its models on the first person track', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-lazy-faces-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds none before, and a failing start degrades health and raises one system alert', async () => {
    Object.assign(embedders, { created: 0, closed: 0, failing: true });
    const loaded = resolveConfig({
      sites: [{ id: 'main', cameras: [{ id: 'cam_a', url: 'rtsp://127.0.0.1:1/none' }] }],
      storage: { data_dir: dir }, api: { port: 0 }, system_alerts: { check_seconds: 0.2 },
    }, 'test');
    const ctx = await openContext(loaded, rootLogger);
    try {
      const faces = await startFaceStage(ctx);
      const alerts = startSystemAlerts(ctx, { withEdge: false });
      expect(embedders.created).toBe(0);
      expect(ctx.health.snapshot().faces?.state).toBe('healthy');
      const person = { class: 'person', confidence: 0.9, bbox: [10, 10, 50, 130], track_id: 1 };
      const analysis = { width: 64, height: 64, detections: [person], ended: [] } as unknown as FrameAnalysis;
      const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer();
      await faces.hook({ cameraId: 'cam_a', capturedAt: new Date(), analysis, frame: { camera_id: 'cam_a', timestamp: new Date().toISOString(), seq: 1, width: 64, height: 64, jpeg } });
      await until('face health degraded', 10_000, () => (ctx.health.snapshot().faces?.state === 'degraded' ? true : undefined));
      expect(ctx.health.snapshot().faces?.detail).toBe('face models failed to start: face worker failed to start: exit code 1');
      expect(embedders.created).toBe(1);
      await until('the face_analysis_down system alert', 10_000, async () => ((await ctx.repos.alerts.openSystemConditions()).includes('face_analysis_down:system') ? true : undefined));
      await alerts.stop();
      await faces.role.stop();
    } finally {
      await closeContext(ctx);
    }
  }, 60_000);

  it('fails to start when a model file is missing, naming it', async () => {
    missingModels.add('faceres');
    const loaded = resolveConfig({ sites: [{ id: 'main', cameras: [{ id: 'cam_a', url: 'rtsp://127.0.0.1:1/none' }] }], storage: { data_dir: dir }, api: { port: 0 } }, 'test');
    const ctx = await openContext(loaded, rootLogger);
    try {
      await expect(startFaceStage(ctx)).rejects.toThrow('model /nonexistent/faceres.json: file not found');
    } finally {
      missingModels.clear();
      await closeContext(ctx);
    }
  }, 60_000);
});
