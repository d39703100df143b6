/**
 * The storage budget's plan: one pure function deciding what a sweep deletes, across every class
 * of data in the data dir. Three passes, each oldest first:
 *   1. age: items past their class's retention (recordings 7 d, evidence 30 d, ...);
 *   2. caps: classes with a size or count cap (training data, clip cache) trimmed to it;
 *   3. budget: while the data dir is over its budget (or the disk below its free floor), items go
 *      in DELETION_ORDER: what can be re-created or matters least first, "the newest continuous
 *      recording and open alerts' evidence are the last things deleted, never the first".
 */

/** Classes the usage is reported in. database and other are measured, never deleted. */
export const STORAGE_CLASSES = ['recordings', 'evidence', 'snapshots', 'training-data', 'clip-cache', 'exports', 'database', 'other'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Deletion order when over budget: the first tier goes first. */
export const DELETION_ORDER = ['clip-cache', 'exports', 'training-data', 'snapshots', 'recordings', 'evidence', 'open-alert', 'newest'] as const;
export type Tier = (typeof DELETION_ORDER)[number];

export type DeletionReason = 'age' | 'cap' | 'budget';

export interface StoredItem {
  class: StorageClass;
  tier: Tier;
  /** what the executor deletes: a segment path, an object key, a temp file */
  ref: string;
  bytes: number;
  /** when it was recorded or written (ms): oldest goes first */
  time: number;
  /** past this (ms) it is deleted by age; null: no age limit (open alerts' evidence, the newest recording) */
  expiresAt: number | null;
  cameraId?: string;
  /** a segment whose archive copy is not confirmed: never deleted by age, by budget only after every archived one of its tier */
  unsynced?: boolean;
}

export interface ClassCap {
  maxBytes?: number;
  maxFiles?: number;
  /** the class's current totals (its items may be only part of it) */
  usedBytes: number;
  files: number;
}

export interface StoragePlanInput {
  now: number;
  items: StoredItem[];
  /** bytes to free for the data dir to fit its budget and the disk its free floor (≤ 0: none) */
  overBytes: number;
  caps?: Partial<Record<StorageClass, ClassCap>>;
  /**
   * Tiers of which only the oldest part was listed: the budget pass stops after such a tier, since
   * unlisted items of it must go before any item of a later tier (the next round lists again).
   */
  truncated?: ReadonlySet<Tier>;
}

export interface PlannedDeletion {
  item: StoredItem;
  reason: DeletionReason;
}

const PROTECTED: ReadonlySet<Tier> = new Set(['open-alert', 'newest']);
const tierRank = new Map<Tier, number>(DELETION_ORDER.map((t, i) => [t, i]));
const oldestFirst = (a: StoredItem, b: StoredItem): number => a.time - b.time || a.ref.localeCompare(b.ref);

export function planStorage(i: StoragePlanInput): PlannedDeletion[] {
  const unique = new Map<string, StoredItem>();
  for (const it of i.items) unique.set(`${it.class}:${it.ref}`, it);
  const items = [...unique.values()].sort(oldestFirst);
  const plan: PlannedDeletion[] = [];
  const planned = new Set<StoredItem>();
  const take = (item: StoredItem, reason: DeletionReason): void => {
    plan.push({ item, reason });
    planned.add(item);
  };

  for (const it of items) {
    if (it.expiresAt !== null && it.expiresAt <= i.now && !it.unsynced && !PROTECTED.has(it.tier)) take(it, 'age');
  }

  for (const [cls, cap] of Object.entries(i.caps ?? {}) as Array<[StorageClass, ClassCap]>) {
    let bytes = cap.usedBytes - plan.filter((d) => d.item.class === cls).reduce((n, d) => n + d.item.bytes, 0);
    let files = cap.files - plan.filter((d) => d.item.class === cls).length;
    for (const it of items) {
      if ((cap.maxBytes === undefined || bytes <= cap.maxBytes) && (cap.maxFiles === undefined || files <= cap.maxFiles)) break;
      if (it.class !== cls || planned.has(it) || PROTECTED.has(it.tier)) continue;
      take(it, 'cap');
      bytes -= it.bytes;
      files -= 1;
    }
  }

  let over = i.overBytes - plan.reduce((n, d) => n + d.item.bytes, 0);
  if (over <= 0) return plan;
  const limit = Math.min(DELETION_ORDER.length, ...[...(i.truncated ?? [])].map((t) => tierRank.get(t)!));
  const byPriority = items.filter((it) => !planned.has(it) && tierRank.get(it.tier)! <= limit)
    .sort((a, b) => tierRank.get(a.tier)! - tierRank.get(b.tier)! || Number(a.unsynced ?? false) - Number(b.unsynced ?? false) || oldestFirst(a, b));
  for (const it of byPriority) {
    if (over <= 0) break;
    take(it, 'budget');
    over -= it.bytes;
  }
  return plan;
}
