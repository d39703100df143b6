import { spawnSync } from 'node:child_process';

export class MissingDependencyError extends Error {}

/** ffmpeg comes from the OS; without it nothing can record, so say how to get it and stop. */
export function assertFfmpeg(binary = process.env.VIGIL_FFMPEG ?? 'ffmpeg'): void {
  const r = spawnSync(binary, ['-version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    throw new MissingDependencyError(`ffmpeg not found (${binary}): install it from your OS, e.g. \`sudo apt-get install ffmpeg\` on Debian/Ubuntu, then run again`);
  }
}
