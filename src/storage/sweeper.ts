import { readdir, rmdir, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Health } from '../core/health.ts';
import { rootLogger, type Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import { dayDir } from '../media/ffmpeg-args.ts';
import type { Bucket, Objects } from '../objects/port.ts';
import type { RecordingUsageRow } from '../store/repositories/storage.ts';
import type { Repositories } from '../store/repositories/types.ts';
import { dirUsage, objectClass, segmentItems } from './inventory.ts';
import { emptyUsage, type StorageLedger, type SweepResult, type Usage } from './ledger.ts';
import { planStorage, type ClassCap, type PlannedDeletion, type StorageClass, type StoredItem, type Tier } from './plan.ts';

/**
 * The storage sweep: one budget for the data dir, enforced across recordings, event evidence,
 * snapshots, training data, the clip cache and export leftovers (plan.ts decides, this file
 * measures and deletes). Every sweep logs one summary line when it deleted something, counts
 * deletions in storage_deleted_bytes_total{class,reason} and records usage in the ledger.
 */
export interface StorageSweepOptions {
  repos: Pick<Repositories, 'segments' | 'storage'>;
  objects: Objects;
  paths: { dataDir: string; recordingsDir: string; objectsDir: string; dbDir: string };
  /** where exports and clips are cut (cutTmpDir) */
  tmpDir: string;
  cameras: Array<{ id: string; retentionDays: number }>;
  config: Pick<Config, 'storage' | 'recording' | 'clips'>;
  /** the archive sync's cursor prefix when sync is on: segments without a confirmed copy go last */
  syncStream: string | null;
  ledger: StorageLedger;
  log?: Logger;
  health?: Health;
  now?: () => Date;
  freeBytes?: (dir: string) => Promise<number>;
  /**
   * deleted beyond the budget, so that what is written until the next sweep fits too (the
   * scheduled sweep passes twice the bytes written per interval at the current rate)
   */
  headroomBytes?: number;
  /** segment rows listed per tier and round */
  batchSize?: number;
  maxRounds?: number;
}

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;
/** an export or clip being cut is younger than this: only older temp files are leftovers of a crash */
const TMP_GRACE_MS = HOUR_MS;
/** What a timeline says about the footage a sweep deleted (the gap it leaves). */
const DELETION_CAUSES: Record<PlannedDeletion['reason'], string> = {
  age: 'deleted by retention (older than the camera\'s retention_days)',
  cap: 'deleted by the storage sweep (class size cap)',
  budget: 'deleted by the storage sweep to stay within the storage budget (disk full)',
};
const BUCKET_OF: Partial<Record<StorageClass, Bucket>> = { snapshots: 'snapshots', 'training-data': 'training-data', 'clip-cache': 'event-clips' };

export async function diskFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

interface Inventory {
  items: StoredItem[];
  truncated: Set<Tier>;
  agedFull: boolean;
  usage: Usage;
  caps: Partial<Record<StorageClass, ClassCap>>;
  usedBytes: number;
  freeBytes: number;
  budgetBytes: number;
}

async function inventory(o: StorageSweepOptions, now: number, batch: number, headroomBytes: number): Promise<Inventory> {
  const { storage: cfg, recording, clips } = o.config;
  const openSnapshots = new Set(await o.repos.storage.openAlertSnapshots());
  const evidenceMs = cfg.evidence_days * DAY_MS;
  const [snapshots, training, cache] = await Promise.all([
    objectClass(o.objects, 'snapshots', 'snapshots', (key, t) => (openSnapshots.has(key) ? { tier: 'open-alert', expiresAt: null } : { tier: 'snapshots', expiresAt: t + evidenceMs })),
    objectClass(o.objects, 'training-data', 'training-data', (_, t) => ({ tier: 'training-data', expiresAt: t + cfg.training_max_days * DAY_MS })),
    objectClass(o.objects, 'event-clips', 'clip-cache', (_, t) => ({ tier: 'clip-cache', expiresAt: t + cfg.clip_cache_hours * HOUR_MS })),
  ]);
  const tmp = await dirUsage(o.tmpDir);
  const exportItems: StoredItem[] = tmp.items.filter((f) => f.mtime < now - TMP_GRACE_MS)
    .map((f) => ({ class: 'exports', tier: 'exports', ref: f.file, bytes: f.bytes, time: f.mtime, expiresAt: f.mtime + TMP_GRACE_MS }));

  const cutoffs = new Map(o.cameras.map((c) => [c.id, new Date(now - c.retentionDays * DAY_MS)]));
  const recordings = await o.repos.storage.recordingUsage(cutoffs, new Date(now - recording.retention_days * DAY_MS));
  // measured, never deleted: the database, live HLS and whatever else lives in the data dir
  const managed = new Set([o.paths.recordingsDir, o.paths.dbDir, o.tmpDir, ...(['snapshots', 'training-data', 'event-clips'] as const).map((b) => path.join(o.paths.objectsDir, b))]);
  const [database, other] = await Promise.all([dirUsage(o.paths.dbDir), dirUsage(o.paths.dataDir, managed)]);
  const freeBytes = await (o.freeBytes ?? diskFreeBytes)(o.paths.recordingsDir);
  const objectItems = [...snapshots.items, ...training.items, ...cache.items, ...exportItems];
  const usedBytes = recordings.reduce((n, r) => n + r.bytes, 0) + snapshots.usage.bytes + training.usage.bytes + cache.usage.bytes + tmp.bytes + database.bytes + other.bytes;
  const budgetBytes = Math.min(cfg.budget_bytes ?? Infinity, usedBytes + freeBytes - recording.min_free_bytes);
  const segments = await segmentItems({
    storage: o.repos.storage, cameras: o.cameras, defaultRetentionDays: recording.retention_days, now, batch,
    scope: { syncStream: o.syncStream, preSeconds: clips.pre_seconds, postSeconds: clips.post_seconds, evidenceSince: new Date(now - evidenceMs), newestSince: new Date(now - cfg.newest_recording_minutes * 60_000) },
    neededBytes: usedBytes - budgetBytes + headroomBytes - objectItems.filter((i) => i.tier !== 'open-alert').reduce((n, i) => n + i.bytes, 0),
  });

  const usage = emptyUsage();
  Object.assign(usage, recordingClasses(recordings));
  usage.snapshots = snapshots.usage;
  usage['training-data'] = training.usage;
  usage['clip-cache'] = cache.usage;
  usage.exports = { bytes: tmp.bytes, files: tmp.files, oldest: tmp.oldest };
  usage.database = { bytes: database.bytes, files: database.files, oldest: null };
  usage.other = { bytes: other.bytes, files: other.files, oldest: null };
  return {
    items: [...objectItems, ...segments.items],
    truncated: segments.truncated,
    agedFull: segments.agedFull,
    usage,
    caps: {
      'training-data': { maxBytes: cfg.training_max_bytes, maxFiles: cfg.training_max_files, usedBytes: training.usage.bytes, files: training.usage.files! },
      'clip-cache': { maxBytes: cfg.clip_cache_max_bytes, usedBytes: cache.usage.bytes, files: cache.usage.files! },
    },
    usedBytes,
    freeBytes,
    budgetBytes,
  };
}

const oldest = (dates: Array<Date | null>): Date | null => dates.reduce<Date | null>((m, d) => (d && (!m || d < m) ? d : m), null);

/** Recordings within retention, and evidence: recording kept past it (for events, alerts, holds, the archive). */
function recordingClasses(rows: RecordingUsageRow[]): Pick<Usage, 'recordings' | 'evidence'> {
  return {
    recordings: { bytes: rows.reduce((n, r) => n + r.bytes - r.kept_bytes, 0), files: null, oldest: oldest(rows.map((r) => r.oldest)) },
    evidence: { bytes: rows.reduce((n, r) => n + r.kept_bytes, 0), files: null, oldest: oldest(rows.map((r) => r.oldest_kept)) },
  };
}

/** Deletes one planned item; false when it could not be deleted (logged). */
async function remove(o: StorageSweepOptions, d: PlannedDeletion, touchedDirs: Set<string>, log: Logger): Promise<boolean> {
  const { item } = d;
  try {
    const bucket = BUCKET_OF[item.class];
    if (bucket) {
      await o.objects.delete(bucket, item.ref);
    } else if (item.class === 'exports') {
      await unlink(item.ref).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
      touchedDirs.add(path.dirname(item.ref));
    } else {
      const file = path.join(o.paths.recordingsDir, item.ref);
      await unlink(file).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
      await o.repos.segments.removeDeleted(item.ref, DELETION_CAUSES[d.reason]);
      touchedDirs.add(path.dirname(file));
      metrics.segmentsDeleted.inc({ camera_id: item.cameraId, reason: d.reason });
    }
  } catch (err) {
    log.error({ err, camera_id: item.cameraId, class: item.class, ref: item.ref }, 'storage sweep: cannot delete');
    return false;
  }
  metrics.storageDeleted.inc({ class: item.class, reason: d.reason }, item.bytes);
  return true;
}

/** Today's and tomorrow's recording dirs are kept even when empty: ffmpeg needs them to exist. */
async function removeEmptyDirs(dirs: Set<string>, o: StorageSweepOptions, today: string): Promise<void> {
  for (const dir of dirs) {
    const isDayDir = dir.startsWith(o.paths.recordingsDir + path.sep);
    if ((isDayDir && path.basename(dir) >= today) || dir === o.tmpDir) continue;
    const left = await readdir(dir).catch(() => null);
    if (left && left.length === 0) await rmdir(dir).catch(() => {});
  }
}

/** One sweep: rounds of inventory, plan and deletion until nothing more is due; records the result in the ledger. */
export async function runStorageSweep(o: StorageSweepOptions): Promise<SweepResult> {
  const log = o.log ?? rootLogger.child({ component: 'storage' });
  const started = Date.now();
  const batch = o.batchSize ?? 500;
  const touchedDirs = new Set<string>();
  const deleted = new Map<string, SweepResult['deleted'][number]>();
  let unsynced = 0;
  let lastResort = 0;
  let last: { inv: Inventory; budget: number; freed: number; gone: Map<StorageClass, number> } | undefined;

  for (let round = 0; round < (o.maxRounds ?? 20); round++) {
    const now = (o.now?.() ?? new Date()).getTime();
    const headroom = o.headroomBytes ?? 0;
    const inv = await inventory(o, now, batch, headroom);
    const budget = inv.budgetBytes;
    const plan = planStorage({ now, items: inv.items, overBytes: inv.usedBytes - budget + headroom, caps: inv.caps, truncated: inv.truncated });
    let freed = 0;
    const gone = new Map<StorageClass, number>();
    for (const d of plan) {
      if (!(await remove(o, d, touchedDirs, log))) continue;
      freed += d.item.bytes;
      gone.set(d.item.class, (gone.get(d.item.class) ?? 0) + d.item.bytes);
      if (d.item.unsynced) unsynced += 1;
      if (d.item.tier === 'open-alert' || d.item.tier === 'newest') lastResort += 1;
      const k = `${d.item.class}:${d.reason}`;
      const sum = deleted.get(k) ?? { class: d.item.class, reason: d.reason, files: 0, bytes: 0 };
      sum.files += 1;
      sum.bytes += d.item.bytes;
      deleted.set(k, sum);
    }
    last = { inv, budget, freed, gone };
    const stillOver = inv.usedBytes - freed > budget - headroom;
    if (freed === 0 && !plan.length) break;
    if (!((stillOver && inv.truncated.size > 0) || inv.agedFull)) break;
  }
  await removeEmptyDirs(touchedDirs, o, dayDir(o.now?.() ?? new Date()));

  // the last round's inventory already saw the deletions of the rounds before it
  const { inv, budget, freed, gone } = last!;
  const usage = inv.usage;
  for (const [cls, bytes] of gone) usage[cls].bytes = Math.max(0, usage[cls].bytes - bytes);
  if (gone.has('recordings') || gone.has('evidence')) {
    // a segment past its retention counted as kept in the usage whatever its deletion class: measure the recordings again
    const now = (o.now?.() ?? new Date()).getTime();
    const rows = await o.repos.storage.recordingUsage(new Map(o.cameras.map((c) => [c.id, new Date(now - c.retentionDays * DAY_MS)])), new Date(now - o.config.recording.retention_days * DAY_MS));
    Object.assign(usage, recordingClasses(rows));
  }
  const result: SweepResult = {
    at: o.now?.() ?? new Date(), usage, usedBytes: inv.usedBytes - freed, budgetBytes: budget, configuredBudgetBytes: o.config.storage.budget_bytes ?? null,
    freeDiskBytes: inv.freeBytes, deleted: [...deleted.values()], overBytes: Math.max(0, inv.usedBytes - freed - budget), durationMs: Date.now() - started,
    lastResortDeleted: lastResort,
  };
  o.ledger.record(result);
  for (const [cls, u] of Object.entries(usage)) metrics.storageUsed.set({ class: cls }, u.bytes);
  metrics.storageBudget.set(budget);
  if (result.deleted.length) {
    log.info({ deleted: Object.fromEntries(result.deleted.map((d) => [`${d.class}/${d.reason}`, { files: d.files, bytes: d.bytes }])), used_bytes: result.usedBytes, budget_bytes: budget }, 'storage sweep deleted old data');
  }
  if (unsynced) log.error({ segments: unsynced }, 'storage budget: deleted footage that was never archived (recording must not stop)');
  return result;
}

/** Runs a sweep at once and every intervalMs (a sweep still running skips the tick); the returned function stops it. */
export interface ScheduledSweepOptions extends Omit<StorageSweepOptions, 'cameras' | 'config'> {
  /** read at every sweep: cameras are added, removed and given another retention while the process runs */
  cameras: () => StorageSweepOptions['cameras'];
  /** read at every sweep: retention and the budget are changed while the process runs */
  config: () => StorageSweepOptions['config'];
}

export function scheduleStorageSweep(o: ScheduledSweepOptions, intervalMs: number): () => Promise<void> {
  const log = o.log ?? rootLogger.child({ component: 'storage' });
  let running: Promise<unknown> | null = null;
  let over = false;
  let lastResort = false;
  const sweep = () => {
    const headroomBytes = 2 * ((o.ledger.writeRatePerDay() ?? 0) * intervalMs) / 86_400_000;
    running ??= runStorageSweep({ ...o, cameras: o.cameras(), config: o.config(), log, headroomBytes })
      .then((r) => {
        // loud once when the data dir cannot be brought under its budget, once when it can again
        if (r.overBytes > 0 && !over) log.error({ used_bytes: r.usedBytes, budget_bytes: r.budgetBytes }, 'storage over budget and nothing left the sweep may delete');
        if (r.overBytes === 0 && over) log.info({ used_bytes: r.usedBytes, budget_bytes: r.budgetBytes }, 'storage within budget again');
        over = r.overBytes > 0;
        if (r.lastResortDeleted > 0 && !lastResort) log.warn({ items: r.lastResortDeleted, budget_bytes: r.budgetBytes }, 'storage budget: deleting open alerts\' evidence or the newest recording, nothing else is left (raise storage.budget_bytes or free the disk)');
        if (r.lastResortDeleted === 0 && lastResort) log.info('storage budget: no longer deleting open alerts\' evidence or the newest recording');
        lastResort = r.lastResortDeleted > 0;
        o.health?.set('storage', over ? 'degraded' : 'healthy', over ? `data dir over its storage budget by ${r.overBytes} bytes` : undefined);
      })
      .catch((err: unknown) => log.error({ err }, 'storage sweep failed'))
      .finally(() => (running = null));
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
