import type { FrameHook } from '../vision/frame-hook.ts';
import { createFaceHook } from '../vision/faces/hook.ts';
import type { RoleContext, RunningRole } from './context.ts';

/** The face stage of the inference role: its hook, and a role entry that flushes it on stop (after inference). */
export async function startFaceStage(ctx: RoleContext): Promise<{ hook: FrameHook; role: RunningRole }> {
  const config = ctx.loaded.config.faces;
  // started now (a model that cannot load fails the role's start), shared with the api role
  const embedder = await ctx.faceEmbedder.get();
  const faces = createFaceHook({ config, embedder, sink: ctx.repos.faces, log: ctx.log.child({ component: 'faces' }) });
  return { hook: faces.hook, role: { name: 'faces', stop: faces.close } };
}
