import { apiSecurity, startApi } from '../api/server.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import { WebRtcManager } from '../media/webrtc/manager.ts';
import type { RoleContext, RunningRole } from './context.ts';

const VERSION = '0.1.0';

export async function startApiRole(ctx: RoleContext, opts: { allowRemote?: boolean } = {}): Promise<RunningRole & { url: string }> {
  const { api, live, notifications } = ctx.loaded.config;
  const webrtc = live.webrtc ? new WebRtcManager({ rtpSource: (id) => rtpSourceOf(ctx, id), log: ctx.log.child({ component: 'webrtc' }) }) : undefined;
  const { app, url } = await startApi(
    {
      cameras: ctx.loaded.cameras, repos: ctx.repos, objects: ctx.objects, store: ctx.store, health: ctx.health,
      status: (id) => ctx.cameraStatus.get(id), version: VERSION, startedAt: new Date(), log: ctx.log.child({ component: 'api' }),
      liveFeeds: ctx.liveFeeds, webrtc, faceEmbedder: ctx.loaded.config.faces.enabled ? () => ctx.faceEmbedder.get() : undefined,
      recordings: { dir: ctx.loaded.paths.recordingsDir, tmpDir: cutTmpDir(ctx.loaded.paths.dataDir) }, clips: ctx.clips, storage: ctx.storage,
      push: notifications.push && { publicKey: notifications.push.public_key, allowedHosts: notifications.push.allowed_hosts, users: notifications.recipients.filter((r) => r.channels.includes('push')).map((r) => r.name) },
      security: apiSecurity(api),
      alertSocket: {
        changes: ctx.repos.alerts, maxClients: api.ws.max_clients, allowedOrigins: api.ws.allowed_origins,
        maxBufferedBytes: api.ws.max_buffered_kb * 1024, heartbeatMs: api.ws.heartbeat_seconds * 1000,
      },
    },
    api.host, api.port, api.allow_remote || Boolean(opts.allowRemote),
  );
  ctx.health.set('api', 'healthy');
  return { name: 'api', url, stop: async () => { await app.close(); webrtc?.stop(); } };
}

function rtpSourceOf(ctx: RoleContext, cameraId: string): { rtpPort: number; sdpPath?: string } | undefined {
  const feed = ctx.liveFeeds.get(cameraId);
  return feed?.rtpPort ? { rtpPort: feed.rtpPort, sdpPath: feed.sdpPath ?? undefined } : undefined;
}
