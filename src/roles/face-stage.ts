import type { FrameHook } from '../vision/frame-hook.ts';
import { createFaceHook } from '../vision/faces/hook.ts';
import { lazyFaceEmbedder } from '../vision/faces/lazy-embedder.ts';
import { checkFaceModelFiles } from '../vision/faces/model-files.ts';
import type { RoleContext, RunningRole } from './context.ts';

/** Health component of the face stage; while degraded, system alerts raise face_analysis_down. */
export const FACE_HEALTH = 'faces';

/**
 * The face stage of the inference role: its hook, and a role entry that flushes it on stop (after
 * inference). The face models (shared with the api role) start on the first person track that
 * needs a face: a missing or corrupt model file fails the start, a model that then fails to load
 * degrades health (logged once, raised as a system alert) and is tried again.
 */
export async function startFaceStage(ctx: RoleContext): Promise<{ hook: FrameHook; role: RunningRole }> {
  const config = ctx.loaded.config.faces;
  const log = ctx.log.child({ component: 'faces' });
  await checkFaceModelFiles(config.embedder);
  ctx.health.set(FACE_HEALTH, 'healthy', 'face models start on the first person track');
  const embedder = lazyFaceEmbedder({
    get: async () => {
      const e = await ctx.faceEmbedder.get();
      ctx.health.set(FACE_HEALTH, 'healthy');
      return e;
    },
    onDown: (reason) => {
      log.error({ cause: reason }, 'face models failed to start: faces are not collected until they do (retrying)');
      ctx.health.set(FACE_HEALTH, 'degraded', `face models failed to start: ${reason}`);
    },
    onUp: () => log.info('face models started: faces are collected again'),
  });
  const faces = createFaceHook({ config, embedder, sink: ctx.repos.faces, log });
  const stop = async (): Promise<void> => {
    await faces.close();
    ctx.health.set(FACE_HEALTH, 'stopped');
  };
  return { hook: faces.hook, role: { name: 'faces', stop } };
}
