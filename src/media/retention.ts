import { readdir, rmdir, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { rootLogger, type Logger } from '../core/log.ts';
import type { SegmentRepo, SegmentRow } from '../store/repositories/types.ts';
import { dayDir } from './ffmpeg-args.ts';

/**
 * Ring-buffer retention (seed §4.2.1: 7-day circular buffer): per camera, segments older than its
 * retention go; then, while free disk is below the floor, the oldest closed segments of any camera
 * go. The open segment is never touched: recording never stops (principle 1).
 */
export interface Deletion {
  cameraId: string;
  path: string;
  bytes: number;
  reason: 'age' | 'disk';
  /** its archive copy is not confirmed: only the free-disk floor takes it, as a last resort */
  unsynced?: boolean;
}

/** A candidate row; `unsynced` (archive sync on, copy not confirmed yet) spares it from age deletion. */
export type RetentionCandidate = SegmentRow & { unsynced?: boolean };

/** Where retention finds candidates: the segment index, or the archive's view of it (legal holds left out, sync state flagged). */
export interface RetentionCandidates {
  endedBefore(cameraId: string, before: Date, limit: number): Promise<RetentionCandidate[]>;
  oldest(limit: number): Promise<RetentionCandidate[]>;
}

export interface RetentionPlanInput {
  now: Date;
  /** candidate rows (any order, duplicates allowed): per-camera aged ones and the globally oldest */
  segments: RetentionCandidate[];
  retentionDays: (cameraId: string) => number;
  freeBytes: number;
  minFreeBytes: number;
}

const DAY_MS = 86_400_000;

export function planRetention(i: RetentionPlanInput): Deletion[] {
  const unique = new Map<string, RetentionCandidate>();
  // missing rows (file already gone) age out like the others but free nothing
  for (const s of i.segments) if (s.status !== 'open') unique.set(s.path, s);
  const oldestFirst = [...unique.values()].sort((a, b) => a.start_time.getTime() - b.start_time.getTime() || a.id - b.id);

  const plan: Deletion[] = [];
  const planned = new Set<string>();
  const take = (s: RetentionCandidate, reason: Deletion['reason']): void => {
    plan.push({ cameraId: s.camera_id, path: s.path, bytes: s.status === 'closed' ? s.bytes : 0, reason, ...(s.unsynced ? { unsynced: true } : {}) });
    planned.add(s.path);
  };
  for (const s of oldestFirst) {
    const cutoff = i.now.getTime() - i.retentionDays(s.camera_id) * DAY_MS;
    if (!s.unsynced && s.end_time !== null && s.end_time.getTime() < cutoff) take(s, 'age');
  }
  let missing = i.minFreeBytes - i.freeBytes - plan.reduce((n, d) => n + d.bytes, 0);
  // archived segments first; footage not yet archived only when recording would otherwise stop
  const closed = oldestFirst.filter((r) => r.status === 'closed');
  for (const s of [...closed.filter((r) => !r.unsynced), ...closed.filter((r) => r.unsynced)]) {
    if (missing <= 0) break;
    if (planned.has(s.path)) continue;
    take(s, 'disk');
    missing -= s.bytes;
  }
  return plan;
}

export interface RetentionOptions {
  repo: SegmentRepo;
  /** defaults to repo; the archive passes a view without held segments and with sync state */
  candidates?: RetentionCandidates;
  recordingsDir: string;
  cameras: Array<{ id: string; retentionDays: number }>;
  /** for segments of cameras no longer configured */
  defaultRetentionDays: number;
  minFreeBytes: number;
  now?: () => Date;
  freeBytes?: (dir: string) => Promise<number>;
  /** rows fetched per query and round */
  batchSize?: number;
  maxRounds?: number;
  log?: Logger;
}

export async function diskFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** One retention pass: plans, deletes file then index row, removes emptied past day dirs. */
export async function runRetention(o: RetentionOptions): Promise<{ deleted: number; bytes: number }> {
  const log = o.log ?? rootLogger.child({ component: 'retention' });
  const batch = o.batchSize ?? 500;
  const days = new Map(o.cameras.map((c) => [c.id, c.retentionDays]));
  const retentionDays = (id: string): number => days.get(id) ?? o.defaultRetentionDays;
  const touchedDirs = new Set<string>();
  const total = { deleted: 0, bytes: 0 };

  for (let round = 0; round < (o.maxRounds ?? 20); round++) {
    const now = o.now?.() ?? new Date();
    const source = o.candidates ?? o.repo;
    const aged = await Promise.all(o.cameras.map((c) => source.endedBefore(c.id, new Date(now.getTime() - c.retentionDays * DAY_MS), batch)));
    const segments = [...aged.flat(), ...(await source.oldest(batch))];
    const freeBytes = await (o.freeBytes ?? diskFreeBytes)(o.recordingsDir);
    const plan = planRetention({ now, segments, retentionDays, freeBytes, minFreeBytes: o.minFreeBytes });
    if (plan.length === 0) break;
    let progress = 0;
    for (const d of plan) {
      const file = path.join(o.recordingsDir, d.path);
      try {
        await unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          log.error({ err, camera_id: d.cameraId, path: d.path }, 'retention: cannot delete segment');
          continue;
        }
      }
      await o.repo.remove(d.path);
      if (d.unsynced) log.error({ camera_id: d.cameraId, path: d.path, bytes: d.bytes }, 'free disk below the floor: deleted footage that was never archived (recording must not stop)');
      touchedDirs.add(path.dirname(file));
      progress += 1;
      total.deleted += 1;
      total.bytes += d.bytes;
    }
    if (progress === 0) break;
  }
  await removeEmptyPastDayDirs(touchedDirs, dayDir(o.now?.() ?? new Date()));
  if (total.deleted) log.info(total, 'retention deleted old segments');
  return total;
}

/** Today's and tomorrow's dirs are kept even when empty: ffmpeg needs them to exist. */
async function removeEmptyPastDayDirs(dirs: Set<string>, today: string): Promise<void> {
  for (const dir of dirs) {
    if (path.basename(dir) >= today) continue;
    const left = await readdir(dir).catch(() => null);
    if (left && left.length === 0) await rmdir(dir).catch(() => {});
  }
}

/** Runs retention every intervalMs (a pass still running skips the tick); the returned function stops it. */
export function scheduleRetention(o: RetentionOptions, intervalMs: number): () => Promise<void> {
  const log = o.log ?? rootLogger.child({ component: 'retention' });
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= runRetention(o)
      .catch((err: unknown) => log.error({ err }, 'retention pass failed'))
      .finally(() => (running = null));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
