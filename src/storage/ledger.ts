import { DELETION_ORDER, STORAGE_CLASSES, type DeletionReason, type StorageClass } from './plan.ts';

/** Usage of one class: bytes, files (where counted) and the oldest item kept. */
export interface ClassUsage {
  bytes: number;
  files: number | null;
  oldest: Date | null;
}

export type Usage = Record<StorageClass, ClassUsage>;

export interface SweepResult {
  at: Date;
  usage: Usage;
  usedBytes: number;
  budgetBytes: number;
  configuredBudgetBytes: number | null;
  freeDiskBytes: number;
  /** bytes and files deleted per class and reason */
  deleted: Array<{ class: StorageClass; reason: DeletionReason; files: number; bytes: number }>;
  /** still over the budget after the sweep (nothing left it may delete) */
  overBytes: number;
  /** how long the sweep took */
  durationMs: number;
  /** items of the last tiers (open alerts' evidence, the newest recording) deleted */
  lastResortDeleted: number;
}

const DAY_MS = 86_400_000;
/** growth is averaged over the sweeps of this window */
const RATE_WINDOW_MS = 3600_000;

export const emptyUsage = (): Usage => Object.fromEntries(STORAGE_CLASSES.map((c) => [c, { bytes: 0, files: null, oldest: null }])) as Usage;

/**
 * The last storage sweeps, shared by the edge role (which sweeps) and the API (which reports):
 * usage per class, the budget, and the write rate — bytes written between sweeps, i.e. growth
 * plus what the sweep deleted — from which the days left until the budget is full are projected.
 */
export class StorageLedger {
  private readonly history: Array<{ at: number; used: number; deleted: number }> = [];
  private last: SweepResult | null = null;

  record(r: SweepResult): void {
    this.last = r;
    this.history.push({ at: r.at.getTime(), used: r.usedBytes, deleted: r.deleted.reduce((n, d) => n + d.bytes, 0) });
    while (this.history.length > 2 && this.history[1]!.at <= r.at.getTime() - RATE_WINDOW_MS) this.history.shift();
  }

  /** Bytes written per day over the recent sweeps; null before two sweeps. */
  writeRatePerDay(): number | null {
    const first = this.history[0];
    const last = this.history.at(-1);
    if (!first || !last || last.at <= first.at) return null;
    const written = last.used - first.used + this.history.slice(1).reduce((n, h) => n + h.deleted, 0);
    return Math.max(0, written) / ((last.at - first.at) / DAY_MS);
  }

  report(): StorageReport | null {
    const r = this.last;
    if (!r) return null;
    const rate = this.writeRatePerDay();
    const room = Math.max(0, r.budgetBytes - r.usedBytes);
    return {
      swept_at: r.at.toISOString(),
      budget_bytes: r.budgetBytes,
      configured_budget_bytes: r.configuredBudgetBytes,
      used_bytes: r.usedBytes,
      free_disk_bytes: r.freeDiskBytes,
      over_budget_bytes: r.overBytes,
      classes: Object.fromEntries(STORAGE_CLASSES.map((c) => [c, { bytes: r.usage[c].bytes, files: r.usage[c].files, oldest: r.usage[c].oldest?.toISOString() ?? null }])) as StorageReport['classes'],
      write_bytes_per_day: rate === null ? null : Math.round(rate),
      projected_days_left: rate === null || rate === 0 ? null : Math.round((room / rate) * 100) / 100,
      deletion_order: [...DELETION_ORDER],
      last_sweep_deleted: r.deleted,
      last_sweep_ms: r.durationMs,
    };
  }
}

export interface StorageReport {
  swept_at: string;
  budget_bytes: number;
  configured_budget_bytes: number | null;
  used_bytes: number;
  free_disk_bytes: number;
  over_budget_bytes: number;
  classes: Record<StorageClass, { bytes: number; files: number | null; oldest: string | null }>;
  write_bytes_per_day: number | null;
  /** days until the budget is full at the current write rate; once full, the sweep deletes in deletion_order */
  projected_days_left: number | null;
  deletion_order: string[];
  last_sweep_deleted: SweepResult['deleted'];
  last_sweep_ms: number;
}
