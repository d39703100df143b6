import { routeProblem } from '../api/route.ts';
import { publicAlertChanges } from '../alerts/service.ts';
import { apiSecurity, startApi } from '../api/server.ts';
import type { RouteProblem } from '../auth/api-keys.ts';
import { SYSTEM_SUBJECT } from '../alerts/system/conditions.ts';
import { openAuth } from '../auth/open.ts';
import type { LoginBurst } from '../auth/throttle.ts';
import { followLatestFrames } from '../media/live/latest-frames.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import { WebRtcManager } from '../media/webrtc/manager.ts';
import { sitesSection } from '../settings/cameras.ts';
import { recipientsSection } from '../settings/recipients.ts';
import { storageSection } from '../settings/retention.ts';
import { followAlertAnnouncements } from './alert-announcements.ts';

import { cacheIsShared } from '../cache/open.ts';
import { apiPublicUrl, type RoleContext, type RunningRole } from './context.ts';
import { currentRuleSettings, rulesEngineOptions } from './rules-runtime.ts';

const VERSION = '0.1.0';

export async function startApiRole(ctx: RoleContext): Promise<RunningRole & { url: string; routeProblem: RouteProblem }> {
  const { api, live, notifications } = ctx.loaded.config;
  const auth = await openAuth({
    repos: ctx.repos, dataDir: ctx.loaded.paths.dataDir, config: api.auth, log: ctx.log.child({ component: 'auth' }), cache: ctx.cache,
    onBurst: (b) => void raiseLoginBurst(ctx, b), onBurstEnd: (b) => void clearLoginBurst(ctx, b),
  });
  const webrtc = live.webrtc ? new WebRtcManager({ rtpSource: (id) => ctx.liveFeeds.get(id)?.rtp ?? undefined, log: ctx.log.child({ component: 'webrtc' }) }) : undefined;
  const latestFrames = await followLatestFrames(ctx.bus);
  const { app, url } = await startApi(
    {
      auth, cameras: ctx.cameras, cameraAdmin: ctx.cameraAdmin, storageAdmin: ctx.storageAdmin, recipientAdmin: ctx.recipientAdmin, repos: ctx.repos, objects: ctx.objects, store: ctx.store, health: ctx.health,
      status: (id) => ctx.cameraStatus.get(id), version: VERSION, startedAt: new Date(), log: ctx.log.child({ component: 'api' }),
      liveFeeds: ctx.liveFeeds, llHls: (id) => ctx.liveFeeds.get(id)?.llHls ?? undefined, webrtc, faceEmbedder: ctx.loaded.config.faces.enabled ? () => ctx.faceEmbedder.get() : undefined,
      recordings: { dir: ctx.loaded.paths.recordingsDir, tmpDir: cutTmpDir(ctx.loaded.paths.dataDir) }, clips: ctx.clips, storage: ctx.storage,
      push: notifications.push && { publicKey: notifications.push.public_key, allowedHosts: notifications.push.allowed_hosts, users: notifications.recipients.filter((r) => r.channels.includes('push')).map((r) => r.name) },
      security: { ...apiSecurity(api), rateLimitCounters: ctx.cache }, timezone: ctx.loaded.config.sites[0]?.timezone,
      latestFrames,
      configuration: { settings: ctx.settings, store: ctx.store, rules: { settings: () => currentRuleSettings(ctx.loaded), engine: rulesEngineOptions(ctx.loaded) },
        exportSections: [sitesSection(ctx.loaded.config), storageSection, recipientsSection],
      },
      alertSocket: {
        changes: publicAlertChanges(ctx.repos.alerts), maxClients: api.ws.max_clients, allowedOrigins: api.ws.allowed_origins,
        maxBufferedBytes: api.ws.max_buffered_kb * 1024, heartbeatMs: api.ws.heartbeat_seconds * 1000,
        recheckMs: Math.max(1, api.auth.session_check_seconds) * 1000,
        announcements: cacheIsShared(ctx.loaded.config.cache) ? followAlertAnnouncements(ctx.cache) : undefined,
      },
    },
    api.host, api.port,
  );
  await auth.service.bootstrap(ctx.loaded.source === 'demo' ? 'demo' : 'setup', `${apiPublicUrl(ctx.loaded.config)}/api/v1/auth/setup`);
  ctx.health.set('api', 'healthy');
  return { name: 'api', url, routeProblem: (route, role) => routeProblem(app, route, role), stop: async () => { await app.close(); webrtc?.stop(); await latestFrames.stop(); } };
}


/** A burst of failed logins is a system alert (one per account or address while it lasts). */
async function raiseLoginBurst(ctx: RoleContext, b: LoginBurst): Promise<void> {
  const title = `${b.failures} failed logins ${b.username ? `for account ${b.username}` : `from ${b.ip}`}: someone may be guessing passwords`;
  await ctx.repos.alerts.raiseSystem({
    conditionKey: `login_burst:${b.key}`, kind: 'login_burst', kindName: 'Failed logins burst', cameraId: SYSTEM_SUBJECT, severity: 'high',
    title, details: { username: b.username ?? null, ip: b.ip ?? null, failures: b.failures }, at: new Date(),
  }).catch((err: unknown) => ctx.log.warn({ err }, 'failed logins burst not raised as an alert'));
}

async function clearLoginBurst(ctx: RoleContext, b: LoginBurst): Promise<void> {
  await ctx.repos.alerts.clearSystem(`login_burst:${b.key}`, `cleared: failed logins stopped after ${b.failures}`)
    .catch((err: unknown) => ctx.log.warn({ err }, 'failed logins burst alert not cleared'));
}
