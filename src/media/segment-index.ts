import type { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { open, readdir, stat, truncate, unlink, utimes } from 'node:fs/promises';
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
      gap: (g) => this.enqueue(g.cameraId, 'open gap', () => this.repo.openGap(g.cameraId, g.start, g.cause, g.kind)),
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
  /** files cut back to their last whole MPEG-TS packet (a kill mid-write leaves a partial one) */
  trimmed: number;
}

const TS_PACKET = 188;
const TS_SYNC = 0x47;

/**
 * Size of a crashed segment file once its trailing partial MPEG-TS packet is cut off (ffmpeg
 * flushes 32 KiB blocks, so a kill lands mid-packet); files that are not MPEG-TS are left alone.
 */
async function trimPartialPacket(file: string, st: Stats): Promise<number> {
  const whole = st.size - (st.size % TS_PACKET);
  if (whole === st.size) return st.size;
  const handle = await open(file, 'r');
  try {
    const first = Buffer.alloc(1);
    await handle.read(first, 0, 1, 0);
    if (first[0] !== TS_SYNC) return st.size;
  } finally {
    await handle.close();
  }
  await truncate(file, whole);
  await utimes(file, st.atime, st.mtime); // the last write stays the segment's end, even if reconcile is interrupted
  return whole;
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
  const report: ReconcileReport = { indexed: 0, closed: 0, missing: 0, removedEmpty: 0, trimmed: 0 };
  // cameras no longer configured may have open rows from the crash too
  const withOpenRows = (await repo.open()).map((r) => r.camera_id);
  for (const cameraId of new Set([...cameraIds, ...withOpenRows])) {
    const files = await segmentFiles(recordingsDir, cameraId);
    const rows = await repo.list(cameraId, ...ALL_TIME);
    const known = new Set(rows.map((r) => r.path));
    let lastEnd = 0;

    const fromFile = async (rel: string, startTime: Date, counter: 'indexed' | 'closed'): Promise<void> => {
      const file = path.join(recordingsDir, rel);
      const st = await stat(file).catch(() => null);
      if (!st) return;
      const size = await trimPartialPacket(file, st);
      if (size !== st.size) report.trimmed += 1;
      if (size === 0) {
        await unlink(file).catch(() => {});
        if (known.has(rel)) await repo.remove(rel);
        report.removedEmpty += 1;
        return;
      }
      const endTime = new Date(Math.max(startTime.getTime(), st.mtimeMs));
      await repo.upsert({ cameraId, path: rel, startTime, endTime, bytes: size, status: 'closed' });
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
    // only a configured camera gets its downtime gap: its worker's first segment closes it
    if (lastEnd > 0 && cameraIds.includes(cameraId)) await repo.openGap(cameraId, new Date(lastEnd), 'recorder not running (Vigil stopped or crashed)', 'stopped');
  }
  if (report.indexed + report.closed + report.missing + report.removedEmpty + report.trimmed > 0) log.info(report, 'segment index reconciled with the recordings on disk');
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
