import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClipArchiver } from '../src/archive/clip-archive.ts';
import { ArchiveSync } from '../src/archive/sync-loop.ts';
import { Health } from '../src/core/health.ts';
import { createLogger } from '../src/core/log.ts';
import { clipMaterialiser } from '../src/media/clips/materialise.ts';
import { createDiskObjects } from '../src/objects/disk.ts';
import { openStore } from '../src/store/open.ts';
import { createRepositories } from '../src/store/repositories/index.ts';

/**
 * Archive sync throughput: `segments` closed segments of `segmentBytes` (1.25 MB ≈ 10 s of the
 * DVR's 1 Mbit/s main stream) indexed in PGlite, copied to a disk archive on the same volume,
 * each confirmed by head and followed by a cursor write — the whole per-segment cost.
 */
export async function benchArchiveSync(o: { segments: number; segmentBytes: number }): Promise<Record<string, number>> {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-bench-archive-'));
  const store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
  try {
    const repos = createRepositories(store);
    const recordings = path.join(root, 'recordings');
    mkdirSync(path.join(recordings, 'cam_1', '20250120'), { recursive: true });
    const body = randomBytes(o.segmentBytes);
    for (let i = 0; i < o.segments; i++) {
      const start = new Date(Date.UTC(2025, 0, 20) + i * 10_000);
      const rel = `cam_1/20250120/${start.toISOString().slice(11, 19).replace(/:/g, '')}_000001.ts`;
      writeFileSync(path.join(recordings, rel), body);
      await repos.segments.upsert({ cameraId: 'cam_1', path: rel, startTime: start, endTime: new Date(start.getTime() + 10_000), bytes: body.length, status: 'closed' });
    }
    const log = createLogger('silent');
    const source = createDiskObjects(path.join(root, 'objects'));
    const target = createDiskObjects(path.join(root, 'archive'));
    // no events here: the clip part of a round costs one query
    const materialiser = clipMaterialiser({ segments: repos.segments, objects: source, recordingsDir: recordings, tmpDir: path.join(root, 'tmp'), preSeconds: 5, postSeconds: 5 });
    const sync = new ArchiveSync({
      archive: repos.archive, segments: repos.segments, recordingsDir: recordings, cameraIds: ['cam_1'],
      target, clips: new ClipArchiver({ clips: repos.clips, materialiser, source, target, log, lookbackMs: 86_400_000 }), intervalMs: 1000, retryMaxMs: 1000, health: new Health(), log,
    });
    const t0 = performance.now();
    let uploaded = 0;
    for (let r = await sync.round(); ; r = await sync.round()) {
      uploaded += r.uploaded;
      if (!r.more) break;
    }
    const s = (performance.now() - t0) / 1000;
    return { segments: uploaded, seconds: Number(s.toFixed(2)), segments_per_second: Number((uploaded / s).toFixed(1)), mb_per_second: Number((uploaded * o.segmentBytes / 1e6 / s).toFixed(1)) };
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}
