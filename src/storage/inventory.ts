import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Objects } from '../objects/port.ts';
import type { EvidenceScope, FootageSpan, SegmentTier, StorageRepo, TieredSegmentRow } from '../store/repositories/storage.ts';
import type { ClassUsage } from './ledger.ts';
import type { StorageClass, StoredItem, Tier } from './plan.ts';

/**
 * What the storage sweep sees: deletable items of every class (objects listed in full, recording
 * segments in batches per tier, oldest first) and the usage of every class.
 */
const DAY_MS = 86_400_000;

/** Bytes, file count and oldest modification time under a directory; `skip` dirs are not entered, symlinks not followed. */
export async function dirUsage(dir: string, skip: ReadonlySet<string> = new Set()): Promise<ClassUsage & { items: Array<{ file: string; bytes: number; mtime: number }> }> {
  const out = { bytes: 0, files: 0, oldest: null as Date | null, items: [] as Array<{ file: string; bytes: number; mtime: number }> };
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !skip.has(p)) await walk(p);
      if (!e.isFile()) continue;
      const st = await lstat(p).catch(() => null);
      if (!st) continue;
      out.bytes += st.size;
      out.files += 1;
      if (!out.oldest || st.mtime < out.oldest) out.oldest = st.mtime;
      out.items.push({ file: p, bytes: st.size, mtime: st.mtimeMs });
    }
  };
  await walk(dir);
  return out;
}

/** One object class: its items (tier and expiry by the caller's rule) and its usage. */
export async function objectClass(objects: Objects, bucket: Parameters<Objects['list']>[0], cls: StorageClass, rule: (key: string, modified: number) => { tier: Tier; expiresAt: number | null }): Promise<{ items: StoredItem[]; usage: ClassUsage }> {
  const items: StoredItem[] = [];
  const usage: ClassUsage = { bytes: 0, files: 0, oldest: null };
  for await (const o of objects.list(bucket)) {
    const modified = o.modified.getTime();
    items.push({ class: cls, ref: o.key, bytes: o.size, time: modified, ...rule(o.key, modified) });
    usage.bytes += o.size;
    usage.files! += 1;
    if (!usage.oldest || o.modified < usage.oldest) usage.oldest = o.modified;
  }
  return { items, usage };
}

const SEGMENT_TIERS: SegmentTier[] = ['recordings', 'evidence', 'open-alert', 'newest'];

const overlapsAny = (r: TieredSegmentRow, spans: FootageSpan[]): boolean =>
  spans.some((x) => x.camera_id === r.camera_id && r.start_time < x.to && (r.end_time ?? r.start_time) > x.from);

export interface SegmentInventoryOptions {
  storage: StorageRepo;
  cameras: Array<{ id: string; retentionDays: number }>;
  /** for segments of cameras no longer configured */
  defaultRetentionDays: number;
  scope: EvidenceScope;
  now: number;
  batch: number;
  /** bytes the budget pass must still free from segments; tiers are listed only while some is left */
  neededBytes: number;
}

/**
 * Segments past their camera's retention, then the oldest of each tier in deletion order for as
 * long as the budget needs more (each tier query walks the index, so tiers the budget will not
 * reach are not listed). Tiers listed only in part are named; agedFull when more aged segments wait.
 */
export async function segmentItems(o: SegmentInventoryOptions): Promise<{ items: StoredItem[]; truncated: Set<Tier>; agedFull: boolean }> {
  const days = new Map(o.cameras.map((c) => [c.id, c.retentionDays]));
  const item = (r: TieredSegmentRow): StoredItem => {
    const retention = days.get(r.camera_id);
    const expiry = (r.end_time ?? r.start_time).getTime() + (retention ?? o.defaultRetentionDays) * DAY_MS;
    return {
      // as in the usage: evidence is recording kept past its retention (plain recording past it is aged out)
      class: r.tier !== 'recordings' && expiry < o.now ? 'evidence' : 'recordings', tier: r.tier, ref: r.path, bytes: r.status === 'closed' ? r.bytes : 0, time: r.start_time.getTime(),
      expiresAt: r.tier === 'recordings' ? expiry : null,
      cameraId: r.camera_id, ...(r.unsynced ? { unsynced: true } : {}),
    };
  };
  // open alerts are few: their footage is found from their spans, not by asking every segment
  const spans = await o.storage.openAlertSpans(o.scope.preSeconds, o.scope.postSeconds);
  const reclassify = (r: TieredSegmentRow): TieredSegmentRow => (r.status === 'closed' && overlapsAny(r, spans) ? { ...r, tier: 'open-alert' } : r);
  const aged = (await Promise.all(o.cameras.map((c) => o.storage.agedRecordings(c.id, new Date(o.now - c.retentionDays * DAY_MS), o.batch, o.scope)))).flat();
  const rows = aged.map(reclassify);
  const listed = new Set(aged.map((r) => r.path));
  let needed = o.neededBytes - rows.filter((r) => r.tier === 'recordings').reduce((n, r) => n + r.bytes, 0);
  const truncated = new Set<Tier>();
  for (const tier of SEGMENT_TIERS) {
    if (needed <= 0) break;
    if (tier === 'open-alert' && !spans.length) continue;
    const batch = tier === 'open-alert' ? await o.storage.segmentsIn(spans, o.batch, o.scope) : (await o.storage.oldestOfTier(tier, o.batch, o.scope)).map(reclassify);
    rows.push(...batch);
    needed -= batch.filter((r) => r.tier === tier && !listed.has(r.path)).reduce((n, r) => n + r.bytes, 0);
    for (const r of batch) listed.add(r.path);
    if (batch.length >= o.batch) {
      truncated.add(tier);
      break;
    }
  }
  return { items: rows.map(item), truncated, agedFull: aged.length > 0 && o.cameras.some((c) => aged.filter((r) => r.camera_id === c.id).length >= o.batch) };
}
