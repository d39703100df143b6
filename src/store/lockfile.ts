import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/log.ts';

/**
 * An exclusive lock on a PGlite data dir. Two processes (or two PGlite instances in one process)
 * on one data dir corrupt it silently, so the lock is a sibling file `<dataDir>.lock` created with
 * O_EXCL and holding the owner's pid. A lock whose pid is no longer alive is stale and taken over.
 */
export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid: number, readonly lockPath: string) {
    super(`database dir ${dataDir} is in use by process ${pid} (lock ${lockPath}); stop that process first, or delete the lock file if no such process runs vigil`);
  }
}

export interface DirLock {
  readonly path: string;
  release(): void;
}

export function lockPathFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(lockPath: string): boolean {
  try {
    const fd = fs.openSync(lockPath, 'wx');
    try {
      fs.writeSync(fd, `${process.pid}\n`);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export function acquireDirLock(dataDir: string, log?: Logger): DirLock {
  const lockPath = lockPathFor(dataDir);
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  // two rounds: the first may find a stale lock and remove it; the second must then win or meet a live owner
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(lockPath)) {
      const onExit = () => removeIfOurs(lockPath);
      process.once('exit', onExit);
      return {
        path: lockPath,
        release: () => {
          process.removeListener('exit', onExit);
          removeIfOurs(lockPath);
        },
      };
    }
    const pid = readPid(lockPath);
    if (pid !== null && isAlive(pid)) throw new DataDirLockedError(path.resolve(dataDir), pid, lockPath);
    log?.warn({ lock: lockPath, stale_pid: pid }, 'taking over stale database lock (its process is gone)');
    fs.rmSync(lockPath, { force: true });
  }
  throw new Error(`could not acquire database lock ${lockPath}: another process keeps creating it`);
}

function removeIfOurs(lockPath: string): void {
  if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
}
