import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { percentile } from './detector.ts';
import { startDemo } from '../src/roles/demo.ts';
import { ROLES } from '../src/roles/names.ts';
import { startRoles, type Running } from '../src/roles/run.ts';
import type { SweepResult } from '../src/storage/ledger.ts';
import { STORAGE_CLASSES } from '../src/storage/plan.ts';

/**
 * The soak: the demo (8 simulated channels, every role) runs for a configured time on a temp data
 * dir with a small storage budget, while parts watch it. Each part starts with the running demo,
 * is sampled every `sampleSeconds` and reports at the end; a part for recovery after simulator
 * kills or for catch-up after an inference outage is one more SoakPart in `parts`.
 */
export interface SoakRun {
  running: Running;
  loaded: LoadedConfig;
  startedAt: number;
}

export interface SoakPart {
  name: string;
  start?(run: SoakRun): void | Promise<void>;
  sample?(run: SoakRun, seconds: number): void | Promise<void>;
  report(run: SoakRun): unknown;
}

export interface SoakOptions {
  seconds: number;
  sampleSeconds: number;
  /** storage.budget_bytes of the run (the database alone takes ~45 MB) */
  budgetBytes: number;
  /** how often the storage sweep runs (recording.retention_interval_seconds) */
  sweepSeconds: number;
  parts?: (o: SoakOptions) => SoakPart[];
}

const MB = 1e6;
const mb = (n: number): number => Math.round((n / MB) * 10) / 10;
// classes the sweep deletes before any recording (snapshots of open alerts are kept after recordings by design; export temp files are in use)
const BEFORE_RECORDINGS = ['clip-cache', 'training-data'] as const;

/** Storage: bytes per class over time, the budget never exceeded, no recording deleted while lower-priority data was left. */
export function storagePart(o: SoakOptions): SoakPart {
  const sweeps: SweepResult[] = [];
  const series: Array<Record<string, number>> = [];
  return {
    name: 'storage',
    start({ running }) {
      const ledger = running.ctx.storage;
      const record = ledger.record.bind(ledger);
      ledger.record = (r) => {
        sweeps.push(r);
        record(r);
      };
    },
    sample({ running }, seconds) {
      const r = running.ctx.storage.report();
      if (r) series.push({ t: seconds, used_mb: mb(r.used_bytes), ...Object.fromEntries(STORAGE_CLASSES.map((c) => [`${c}_mb`, mb(r.classes[c].bytes)])) });
    },
    report({ running }) {
      const deletedBy = (r: SweepResult, classes: readonly string[]) => r.deleted.some((d) => classes.includes(d.class) && d.reason === 'budget');
      const inversions = sweeps.filter((r) => deletedBy(r, ['recordings', 'evidence']) && BEFORE_RECORDINGS.some((c) => r.usage[c].bytes > 0));
      const over = sweeps.filter((r) => r.usedBytes > r.budgetBytes);
      const deleted: Record<string, number> = {};
      for (const r of sweeps) for (const d of r.deleted) deleted[`${d.class}/${d.reason}_mb`] = mb((deleted[`${d.class}/${d.reason}_mb`] ?? 0) * MB + d.bytes);
      const report = running.ctx.storage.report();
      return {
        budget_mb: mb(o.budgetBytes),
        sweeps: sweeps.length,
        sweep_ms: { p50: percentile(sweeps.map((r) => r.durationMs).sort((a, b) => a - b), 50), max: Math.max(0, ...sweeps.map((r) => r.durationMs)) },
        max_used_after_sweep_mb: mb(Math.max(0, ...sweeps.map((r) => r.usedBytes))),
        sweeps_over_budget: over.length,
        budget_never_exceeded: over.length === 0,
        recordings_deleted_while_lower_priority_left: inversions.length,
        sweeps_deleting_last_resort: sweeps.filter((r) => r.lastResortDeleted > 0).length,
        deleted,
        write_mb_per_hour: report?.write_bytes_per_day == null ? null : mb(report.write_bytes_per_day / 24),
        series,
      };
    },
  };
}

export async function benchSoak(o: SoakOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-soak-'));
  const log = createLogger('warn');
  const demo = await startDemo(log, { dataDir: dir, simPort: 0 });
  const { loaded } = demo;
  loaded.config.api.port = 0;
  loaded.config.storage.budget_bytes = o.budgetBytes;
  loaded.config.recording.retention_interval_seconds = o.sweepSeconds;
  // the budget holds minutes of recording: only the last minute is the newest, deleted last
  loaded.config.storage.newest_recording_minutes = 1;
  const parts = (o.parts ?? ((opts) => [storagePart(opts)]))(o);
  let running: Running | undefined;
  try {
    running = await startRoles(loaded, [...ROLES], log);
    const run: SoakRun = { running, loaded, startedAt: Date.now() };
    for (const p of parts) await p.start?.(run);
    console.error(`soak: the demo on ${loaded.cameras.length} channels for ${o.seconds} s, storage budget ${mb(o.budgetBytes)} MB`);
    while (Date.now() - run.startedAt < o.seconds * 1000) {
      await new Promise((r) => setTimeout(r, o.sampleSeconds * 1000));
      const t = Math.round((Date.now() - run.startedAt) / 1000);
      for (const p of parts) await p.sample?.(run, t);
    }
    const out: Record<string, unknown> = { seconds: o.seconds, channels: loaded.cameras.length };
    for (const p of parts) out[p.name] = await p.report(run);
    return out;
  } finally {
    await running?.stop();
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
