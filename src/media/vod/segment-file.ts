import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The absolute path of an indexed segment file, or null when it is gone. The path comes from the
 * index (never from a client) and must still resolve, symlinks included, inside the recordings dir.
 */
export async function segmentFile(recordingsDir: string, relPath: string): Promise<string | null> {
  const root = await realpath(recordingsDir);
  try {
    const real = await realpath(path.resolve(root, relPath));
    if (!real.startsWith(root + path.sep)) return null;
    return (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}
