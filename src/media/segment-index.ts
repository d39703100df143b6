import type { EventEmitter } from 'node:events';
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { rootLogger, type Logger } from '../core/log.ts';
import type { SegmentRepo } from '../store/repositories/types.ts';
import type { CameraWorkerEvents } from './camera-worker.ts';
import { parseSegmentPath } from './ffmpeg-args.ts';

/**
 * Keeps the segment index (SegmentRepo) in step with what camera workers write. Writes of one
 * camera are applied in event order (an "open" upsert must never land after the "closed" one);
 * a failed write is logged and left for reconcile() at the next start, never thrown at the worker.
 */
export class SegmentIndexer {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly repo: SegmentRepo, private readonly log: Logger = rootLogger.child({ component: 'segment-index' })) {}

  /** Subscribes to a worker's events; returns the unsubscribe function. */
  attach(worker: EventEmitter<CameraWorkerEvents>): () => void {
    const handlers: { [K in keyof CameraWorkerEvents]?: (...args: CameraWorkerEvents[K]) => void } = {
      segmentOpened: (s) => this.enqueue(s.cameraId, 'open segment', () =>
        this.repo.upsert({ cameraId: s.cameraId, path: s.path, startTime: s.startTime, endTime: null, bytes: 0, status: 'open' })),
      segment: (s) => this.enqueue(s.cameraId, 'close segment', () =>
        this.repo.upsert({ cameraId: s.cameraId, path: s.path, startTime: s.startTime, endTime: s.endTime, bytes: s.bytes, status: 'closed' })),
      segmentDiscarded: (s) => this.enqueue(s.cameraId, 'remove empty segment', () => this.repo.remove(s.path)),
      gap: (g) => this.enqueue(g.cameraId, 'open gap', () => this.repo.openGap(g.cameraId, g.start, g.cause)),
      gapEnd: (g) => this.enqueue(g.cameraId, 'close gap', () => this.repo.closeGap(g.cameraId, g.end)),
    };
    const entries = Object.entries(handlers) as Array<[keyof CameraWorkerEvents, (...a: unknown[]) => void]>;
    for (const [event, fn] of entries) worker.on(event, fn as never);
    return () => {
      for (const [event, fn] of entries) worker.off(event, fn as never);
    };
  }

  /** Resolves when every write queued so far has been applied (or logged as failed). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  private enqueue(cameraId: string, what: string, write: () => Promise<void>): void {
    const next = (this.queues.get(cameraId) ?? Promise.resolve())
      .then(write)
      .catch((err: unknown) => this.log.error({ err, camera_id: cameraId }, `segment index: cannot ${what}`));
    this.queues.set(cameraId, next);
  }
}

export interface ReconcileReport {
  /** files on disk that had no index row */
  indexed: number;
  /** open rows closed from their file (left open by a crash) */
  closed: number;
  /** rows whose file is gone */
  missing: number;
  /** empty files deleted (ffmpeg killed right after opening them) */
  removedEmpty: number;
}

// PostgreSQL timestamps end in year 294276; JS's max Date is beyond that.
const ALL_TIME: [Date, Date] = [new Date(0), new Date('9999-12-31T00:00:00Z')];
const DAY_DIR = /^\d{8}$/;

/**
 * Startup repair, before any worker runs: indexes orphan files (start from the name, end from the
 * last write, bytes from the size), marks rows whose file is gone `missing`, closes `open` rows
 * left by a crash, and opens a gap from the last recorded second to now so that the time Vigil was
 * not running shows in the timeline (the worker's first segment closes it).
 */
export async function reconcile(recordingsDir: string, repo: SegmentRepo, cameraIds: string[], log: Logger = rootLogger.child({ component: 'segment-index' })): Promise<ReconcileReport> {
  const report: ReconcileReport = { indexed: 0, closed: 0, missing: 0, removedEmpty: 0 };
  for (const cameraId of cameraIds) {
    const files = await segmentFiles(recordingsDir, cameraId);
    const rows = await repo.list(cameraId, ...ALL_TIME);
    const known = new Set(rows.map((r) => r.path));
    let lastEnd = 0;

    const fromFile = async (rel: string, startTime: Date, counter: 'indexed' | 'closed'): Promise<void> => {
      const st = await stat(path.join(recordingsDir, rel)).catch(() => null);
      if (!st) return;
      if (st.size === 0) {
        await unlink(path.join(recordingsDir, rel)).catch(() => {});
        if (known.has(rel)) await repo.remove(rel);
        report.removedEmpty += 1;
        return;
      }
      const endTime = new Date(Math.max(startTime.getTime(), st.mtimeMs));
      await repo.upsert({ cameraId, path: rel, startTime, endTime, bytes: st.size, status: 'closed' });
      lastEnd = Math.max(lastEnd, endTime.getTime());
      report[counter] += 1;
    };

    for (const row of rows) {
      if (!files.has(row.path)) {
        if (row.status !== 'missing') {
          await repo.upsert({ cameraId, path: row.path, startTime: row.start_time, endTime: row.end_time, bytes: row.bytes, status: 'missing' });
          report.missing += 1;
        }
      } else if (row.status === 'closed') {
        lastEnd = Math.max(lastEnd, row.end_time?.getTime() ?? 0);
      } else {
        // open (crash) or missing whose file came back (disk remounted)
        await fromFile(row.path, row.start_time, 'closed');
      }
    }
    for (const rel of files) {
      if (known.has(rel)) continue;
      const parsed = parseSegmentPath(rel);
      if (parsed) await fromFile(rel, parsed.start, 'indexed');
    }
    if (lastEnd > 0) await repo.openGap(cameraId, new Date(lastEnd), 'recorder not running (Vigil stopped or crashed)');
  }
  if (report.indexed + report.closed + report.missing + report.removedEmpty > 0) log.info(report, 'segment index reconciled with the recordings on disk');
  return report;
}

/** Relative paths (`cam/YYYYMMDD/name.ts`) of a camera's segment files. */
async function segmentFiles(recordingsDir: string, cameraId: string): Promise<Set<string>> {
  const out = new Set<string>();
  const camDir = path.join(recordingsDir, cameraId);
  const days = await readdir(camDir).catch(() => [] as string[]);
  for (const day of days.filter((d) => DAY_DIR.test(d))) {
    for (const f of await readdir(path.join(camDir, day)).catch(() => [] as string[])) {
      if (f.endsWith('.ts')) out.add(`${cameraId}/${day}/${f}`);
    }
  }
  return out;
}
