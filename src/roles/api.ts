import { startApi } from '../api/server.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import { WebRtcManager } from '../media/webrtc/manager.ts';
import type { Config } from '../config/schema.ts';
import { createFaceEmbedder } from '../vision/faces/embedder.ts';
import type { FaceEmbedder } from '../vision/faces/types.ts';
import type { RoleContext, RunningRole } from './context.ts';

const VERSION = '0.1.0';

export async function startApiRole(ctx: RoleContext, opts: { allowRemote?: boolean } = {}): Promise<RunningRole & { url: string }> {
  const { api, live } = ctx.loaded.config;
  const faces = ctx.loaded.config.faces.enabled ? lazyFaceEmbedder(ctx.loaded.config) : undefined;
  const webrtc = live.webrtc ? new WebRtcManager({ rtpSource: (id) => rtpSourceOf(ctx, id), log: ctx.log.child({ component: 'webrtc' }) }) : undefined;
  const { app, url } = await startApi(
    {
      cameras: ctx.loaded.cameras, repos: ctx.repos, objects: ctx.objects, store: ctx.store, health: ctx.health,
      status: (id) => ctx.cameraStatus.get(id), version: VERSION, startedAt: new Date(), log: ctx.log.child({ component: 'api' }),
      liveFeeds: ctx.liveFeeds, webrtc, faceEmbedder: faces?.get,
      recordings: { dir: ctx.loaded.paths.recordingsDir, tmpDir: cutTmpDir(ctx.loaded.paths.dataDir) },
    },
    api.host, api.port, api.allow_remote || Boolean(opts.allowRemote),
  );
  ctx.health.set('api', 'healthy');
  return { name: 'api', url, stop: async () => { await app.close(); webrtc?.stop(); await faces?.close(); } };
}

function rtpSourceOf(ctx: RoleContext, cameraId: string): { rtpPort: number; sdpPath?: string } | undefined {
  const feed = ctx.liveFeeds.get(cameraId);
  return feed?.rtpPort ? { rtpPort: feed.rtpPort, sdpPath: feed.sdpPath ?? undefined } : undefined;
}

/**
 * The face worker for photo searches starts on the first search (a model set costs ~200 MB), once;
 * a failed start is retried by the next search.
 */
function lazyFaceEmbedder(config: Config): { get(): Promise<FaceEmbedder>; close(): Promise<void> } {
  let started: Promise<FaceEmbedder> | undefined;
  return {
    get: () => (started ??= createFaceEmbedder({ embedder: config.faces.embedder, minDetScore: config.faces.min_detection_score }).catch((err: unknown) => {
      started = undefined;
      throw err;
    })),
    close: async () => {
      await (await started?.catch(() => undefined))?.close();
    },
  };
}
