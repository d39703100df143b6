import path from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import { metrics } from '../core/metrics.ts';
import { runArchivePolicy } from '../archive/policy.ts';
import { ClipArchiver } from '../archive/clip-archive.ts';
import { lazyObjects } from '../archive/lazy-objects.ts';
import { s3LifecycleRules } from '../archive/lifecycle.ts';
import { ArchiveSync } from '../archive/sync-loop.ts';
import { createDiskObjects } from '../objects/disk.ts';
import type { Bucket, Objects } from '../objects/port.ts';
import type { LegalHoldInput } from '../store/repositories/archive.ts';
import type { RoleContext, RunningRole } from './context.ts';

/** archive.objects_dir, resolved under data_dir when relative. */
export function archiveDir(loaded: LoadedConfig): string {
  return path.resolve(loaded.paths.dataDir, loaded.config.archive.objects_dir ?? 'archive');
}

function holdInputs(loaded: LoadedConfig): LegalHoldInput[] {
  return loaded.config.archive.legal_holds.map((h) => (h.bucket && h.key
    ? { bucket: h.bucket, key: h.key, reason: h.reason }
    : { cameraId: h.camera!, from: new Date(h.from!), to: new Date(h.to!), reason: h.reason }));
}

/**
 * The archive tier: on S3 (objects.kind s3) the object store itself, whose buckets the sync's
 * copies are confirmed against; on the one box a second disk store, e.g. a NAS mount.
 */
function archiveTarget(ctx: RoleContext): { target: Objects; where: string } {
  if (ctx.loaded.config.objects.kind === 's3') return { target: ctx.objects, where: 'objects (s3)' };
  const dir = archiveDir(ctx.loaded);
  return { target: lazyObjects(() => createDiskObjects(dir)), where: dir };
}

/**
 * Has the store run the archive buckets' lifecycle (tiering, cleanup of abandoned multipart
 * uploads). Expiration is left to the store only where object lock makes legal holds binding on
 * it; otherwise the archive policy expires objects, since it alone knows the holds.
 */
async function applyLifecycle(target: Objects, keepDays: number, objects: LoadedConfig['config']['objects']): Promise<boolean> {
  const s3 = objects.kind === 's3' ? objects : undefined;
  const rules = s3LifecycleRules({ storageClasses: s3?.storage_classes, ...(s3?.object_lock ? { expireDays: Math.ceil(keepDays) } : {}) });
  let applied = false;
  for (const [bucket, { Rules }] of Object.entries(rules)) applied = (await target.applyLifecycle(bucket as Bucket, Rules)) || applied;
  return applied;
}

/**
 * Storage tiers (seed §7.3): legal holds from the config file into the database (retention in
 * the edge role reads them there), then, when archive.enabled, the sync of segments and event
 * clips to the archive object store and the archive policy (keep_days, holds respected).
 * `target` replaces the archive adapter (tests inject failures through it).
 */
export async function startArchive(ctx: RoleContext, opts: { target?: Objects } = {}): Promise<RunningRole> {
  const { loaded, repos } = ctx;
  const cfg = loaded.config.archive;
  const log = ctx.log.child({ component: 'archive' });
  await repos.archive.replaceConfigHolds(holdInputs(loaded));
  if (!cfg.enabled) {
    log.info('archive sync is off (archive.enabled: false); legal holds still bind retention');
    return { name: 'archive', stop: async () => {} };
  }

  const { target, where } = opts.target ? { target: opts.target, where: 'injected' } : archiveTarget(ctx);
  const sync = new ArchiveSync({
    archive: repos.archive, segments: repos.segments, recordingsDir: loaded.paths.recordingsDir, cameraIds: loaded.cameras.map((c) => c.id),
    target, clips: new ClipArchiver({ clips: repos.clips, materialiser: ctx.clips, source: ctx.objects, target, log, lookbackMs: cfg.keep_days * 86_400_000 }), intervalMs: cfg.sync_interval_seconds * 1000, retryMaxMs: cfg.retry_max_seconds * 1000, health: ctx.health, log,
  });

  let policyRun: Promise<unknown> | null = null;
  let lifecycleApplied = false;
  const policy = () => {
    policyRun ??= (async () => {
      // once per start; a failure (the store not reachable yet, or refusing a rule) is retried with the next pass and never holds up the policy
      if (!lifecycleApplied) {
        await applyLifecycle(target, cfg.keep_days, loaded.config.objects).then((applied) => {
          lifecycleApplied = true;
          if (applied) log.info('archive buckets\' lifecycle configuration applied');
        }, (err: unknown) => log.warn({ err }, 'archive buckets\' lifecycle configuration not applied: retried at the next policy pass'));
      }
      return runArchivePolicy({
        target, buckets: ['video-segments', 'event-clips'], keepDays: cfg.keep_days, holds: await repos.archive.activeHolds(),
        segmentSeconds: loaded.config.recording.segment_seconds, now: new Date(), log,
        onDeleted: (bucket) => metrics.archiveDeleted.inc({ bucket }),
      });
    })()
      .catch((err: unknown) => log.warn({ err }, 'archive policy pass failed: retried at the next interval'))
      .finally(() => (policyRun = null));
  };
  const policyTimer = setInterval(policy, cfg.policy_interval_seconds * 1000);
  policy();
  sync.start();
  log.info({ archive: where, keep_days: cfg.keep_days }, 'archive sync started');

  return {
    name: 'archive',
    stop: async () => {
      clearInterval(policyTimer);
      await sync.stop();
      await policyRun;
      ctx.health.set('archive', 'stopped');
    },
  };
}
