import { statfs } from 'node:fs/promises';
import { SystemAlertMonitor } from '../alerts/system/monitor.ts';
import { systemSampler } from '../alerts/system/sampler.ts';
import { analysisLagSeconds, newestOf } from '../vision/catchup/timeline.ts';
import type { RoleContext, RunningRole } from './context.ts';
import { FACE_HEALTH } from './face-stage.ts';

async function analysisLag(ctx: RoleContext): Promise<Map<string, number>> {
  return new Map(await Promise.all(ctx.loaded.cameras.map(async (c) => {
    const [analysis, recorded] = await Promise.all([ctx.repos.analysis.state(c.id), ctx.repos.segments.stats(c.id)]);
    return [c.id, analysisLagSeconds(analysis.cursor, newestOf(analysis.liveUntil, recorded.last))] as const;
  })));
}

/**
 * System alerts (part of the analytics role, which writes alerts and runs their outbox relay).
 * Video loss needs the camera states of the edge role, so it is watched only where they are known:
 * where the edge runs in the same process, or shares them through a shared cache (withEdge then).
 */
export function startSystemAlerts(ctx: RoleContext, opts: { withEdge: boolean }): RunningRole {
  const { config, cameras, paths } = ctx.loaded;
  const s = config.system_alerts;
  const sample = systemSampler({
    cameras: cameras.map((c) => ({ id: c.id, name: c.name, dvrId: c.dvrId })),
    cameraStatus: opts.withEdge ? (id) => ctx.cameraStatus.get(id) : undefined,
    freeBytes: async () => {
      const st = await statfs(paths.recordingsDir);
      return st.bavail * st.bsize;
    },
    failingChannels: config.notifications.enabled ? async () => (await ctx.repos.notifications.summary(new Date())).failing_channels : undefined,
    archiveEnabled: config.archive.enabled,
    analysisLag: config.detection.enabled && config.catchup.enabled ? () => analysisLag(ctx) : undefined,
    faceAnalysisDown: () => {
      const faces = ctx.health.snapshot()[FACE_HEALTH];
      return faces?.state === 'degraded' ? faces.detail : undefined;
    },
  }, {
    offlineAfterMs: config.stream.offline_alert_seconds * 1000,
    minFreeBytes: config.recording.min_free_bytes,
    diskFullHorizonMs: s.disk_full_within_hours * 3600_000,
    detectorWindowMs: s.detector_window_minutes * 60_000,
    detectorMaxSkippedPercent: s.detector_skipped_percent,
    analysisMaxLagSeconds: s.analysis_behind_minutes * 60,
    archiveMaxLagSeconds: s.archive_lag_minutes * 60,
  });
  const monitor = new SystemAlertMonitor({
    alerts: ctx.repos.alerts, health: ctx.health, log: ctx.log.child({ component: 'system-alerts' }), sample, intervalMs: s.check_seconds * 1000,
  });
  monitor.start();
  return { name: 'system-alerts', stop: () => monitor.stop() };
}
