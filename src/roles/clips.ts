import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ClipScheduler } from '../media/clips/scheduler.ts';
import { cutTmpDir } from '../media/vod/cut.ts';
import type { RoleContext, RunningRole } from './context.ts';

/**
 * Event clips are made available where the recordings are, so they run beside the edge role. Jobs
 * wait in the database; a restart picks them up (and removes temp files of on-demand cuts a crash
 * interrupted).
 */
export async function startClips(ctx: RoleContext): Promise<RunningRole> {
  const { config, paths } = ctx.loaded;
  const tmpDir = cutTmpDir(paths.dataDir);
  const leftovers = (await readdir(tmpDir).catch(() => [] as string[])).filter((n) => n.startsWith('clip-'));
  await Promise.all(leftovers.map((n) => rm(path.join(tmpDir, n), { recursive: true, force: true })));
  const scheduler = new ClipScheduler({
    repos: ctx.repos, objects: ctx.objects, recordingsDir: paths.recordingsDir,
    preSeconds: config.clips.pre_seconds, postSeconds: config.clips.post_seconds, segmentSeconds: config.recording.segment_seconds,
    log: ctx.log.child({ component: 'clips' }),
  });
  scheduler.start();
  return { name: 'clips', stop: () => scheduler.stop() };
}
