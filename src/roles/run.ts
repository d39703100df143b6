import type { Clock } from '../alerts/clock.ts';
import type { RouteProblem } from '../auth/api-keys.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { startAdmin } from './admin.ts';
import { startAnalytics } from './analytics.ts';
import { startApiRole } from './api.ts';
import { startArchive } from './archive.ts';
import { cacheIsShared } from '../cache/open.ts';
import { followCameraStatus } from './camera-status-share.ts';
import { startClips } from './clips.ts';
import { closeContext, openContext, type RoleContext, type RunningRole } from './context.ts';
import { startEdge } from './edge.ts';
import { startFaceStage } from './face-stage.ts';
import { startInference } from './inference.ts';
import { startNotify } from './notify.ts';
import { startSystemAlerts } from './system-alerts.ts';
import type { Role } from './names.ts';

export interface Running {
  ctx: RoleContext;
  roles: RunningRole[];
  apiUrl?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** time source of alert escalation and the outbox relay (tests advance it) */
  clock?: Clock;
}

/**
 * Starts the named roles on one set of ports, in dependency order (consumers before the edge
 * starts producing). Stop runs in reverse: the API closes first, recording last but one, the
 * database last, so nothing accepted is lost.
 */
export async function startRoles(loaded: LoadedConfig, roles: Role[], log: Logger, opts: StartOptions = {}): Promise<Running> {
  const ctx = await openContext(loaded, log);
  const started: RunningRole[] = [];
  let apiUrl: string | undefined;
  let routeProblem: RouteProblem | undefined;
  const stop = async () => {
    for (const r of [...started].reverse()) {
      try {
        await r.stop();
      } catch (e) {
        log.error({ err: e, role: r.name }, 'role did not stop cleanly');
      }
    }
    await closeContext(ctx);
  };
  try {
    // the API, notifier and system alerts of a process without the edge see the edge's camera status
    if (!roles.includes('edge') && cacheIsShared(loaded.config.cache)) started.push(await followCameraStatus(ctx.cache, ctx.cameraStatus, log.child({ component: 'camera-status' })));
    // the notifier consumes alerts.critical: up before the analytics role raises alerts
    if (roles.includes('notify') && loaded.config.notifications.enabled) started.push(await startNotify(ctx));
    if (roles.includes('analytics')) {
      started.push(await startAnalytics(ctx, { clock: opts.clock }));
      if (loaded.config.system_alerts.enabled) started.push(startSystemAlerts(ctx, { withEdge: roles.includes('edge') || cacheIsShared(loaded.config.cache) }));
    }
    if (roles.includes('inference') && loaded.config.detection.enabled) {
      // the face stage stops after inference (reverse order), so it stores the faces of the last tracks
      const faces = loaded.config.faces.enabled ? await startFaceStage(ctx) : undefined;
      if (faces) started.push(faces.role);
      started.push(await startInference(ctx, faces ? [faces.hook] : []));
    }
    if (roles.includes('api')) {
      const api = await startApiRole(ctx);
      apiUrl = api.url;
      routeProblem = api.routeProblem;
      started.push(api);
    }
    // before the edge: legal holds from the config must be in the database before retention runs
    if (roles.includes('archive')) started.push(await startArchive(ctx));
    if (roles.includes('edge')) {
      started.push(await startClips(ctx));
      started.push(await startEdge(ctx));
    }
    // last, so that API keys made through it are checked against the API's routes; stopped first
    const admin = await startAdmin(ctx, { routeProblem });
    if (admin) started.push(admin);
  } catch (e) {
    await stop();
    throw e;
  }
  ctx.health.markStarted();
  return { ctx, roles: started, apiUrl, stop };
}
