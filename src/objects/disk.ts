import { randomUUID } from 'node:crypto';
import { constants, mkdirSync, realpathSync } from 'node:fs';
import { lstat, mkdir, open, opendir, readFile, realpath, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { assertBucket, assertPresignSeconds, assertRange, assertValidKey, BUCKETS, InvalidKeyError, NotFoundError, type Bucket, type ObjectInfo, type Objects } from './port.ts';

/** Objects are written under this name first and renamed into place, so no half object is ever visible. */
const TEMP_PREFIX = '.vigil-tmp-';

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
const isMissing = (e: unknown) => errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR';

/**
 * Objects on the local disk: `<root>/<bucket>/<key>`. Keys are checked by the port's rules, then
 * the resolved path (and the real path of its directory, against symlinks) must stay in the bucket.
 * The final path segment is never followed if it is a symlink.
 */
export function createDiskObjects(root: string): Objects {
  const bucketDirs = new Map<Bucket, string>();
  for (const bucket of BUCKETS) {
    mkdirSync(join(root, bucket), { recursive: true });
    bucketDirs.set(bucket, realpathSync(join(root, bucket)));
  }

  const inside = (dir: string, path: string) => path === dir || path.startsWith(dir + sep);

  function locate(bucket: Bucket, key: string): { dir: string; path: string } {
    assertBucket(bucket);
    assertValidKey(key);
    if (key.split('/').some((segment) => segment.startsWith(TEMP_PREFIX))) throw new InvalidKeyError(`object key segments must not start with "${TEMP_PREFIX}": "${key}"`);
    const dir = bucketDirs.get(bucket)!;
    const path = join(dir, ...key.split('/'));
    if (!inside(dir, path) || path === dir) throw new InvalidKeyError(`object key escapes its bucket: "${key}"`);
    return { dir, path };
  }

  /** Real path of `path`'s nearest existing ancestor must be inside the bucket (a symlinked directory must not lead out). */
  async function assertRealParentInside(bucketDir: string, path: string, key: string): Promise<void> {
    for (let dir = dirname(path); inside(bucketDir, dir); dir = dirname(dir)) {
      let real: string;
      try {
        real = await realpath(dir);
      } catch (e) {
        if (isMissing(e)) continue;
        throw e;
      }
      if (!inside(bucketDir, real)) throw new InvalidKeyError(`object key leads outside its bucket through a symlink: "${key}"`);
      return;
    }
  }

  /** Resolves a key for reading: null when there is no object there. */
  async function existing(bucket: Bucket, key: string): Promise<{ path: string; info: ObjectInfo } | null> {
    const { dir, path } = locate(bucket, key);
    await assertRealParentInside(dir, path, key);
    try {
      const st = await lstat(path);
      if (st.isSymbolicLink()) throw new InvalidKeyError(`object key names a symlink, which is not followed: "${key}"`);
      return st.isFile() ? { path, info: { key, size: st.size, modified: st.mtime } } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async function openForRead(bucket: Bucket, key: string): Promise<FileHandle> {
    const found = await existing(bucket, key);
    if (!found) throw new NotFoundError(`no object ${bucket}/${key}`);
    try {
      return await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      if (isMissing(e)) throw new NotFoundError(`no object ${bucket}/${key}`);
      throw e;
    }
  }

  /** Creates a temp file next to the object; retries once if a concurrent delete pruned the directory. */
  async function createTemp(dir: string, path: string, key: string): Promise<{ tmp: string; handle: FileHandle }> {
    const tmp = join(dirname(path), `${TEMP_PREFIX}${randomUUID()}`);
    for (let attempt = 1; ; attempt++) {
      await assertRealParentInside(dir, path, key);
      try {
        await mkdir(dirname(path), { recursive: true });
        return { tmp, handle: await open(tmp, 'wx') };
      } catch (e) {
        if (errCode(e) === 'ENOTDIR' || errCode(e) === 'EEXIST') throw new InvalidKeyError(`object key "${key}" needs a directory where an object already is`);
        if (errCode(e) !== 'ENOENT' || attempt >= 2) throw e;
      }
    }
  }

  async function writeBody(handle: FileHandle, body: Buffer | Readable): Promise<void> {
    if (Buffer.isBuffer(body)) {
      await handle.writeFile(body);
    } else {
      // chunk by chunk, so a segment is never held whole in memory
      for await (const chunk of body) await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
    }
    await handle.sync();
  }

  /** Removes directories emptied by a delete, up to (not including) the bucket directory. */
  async function pruneEmptyDirs(bucketDir: string, from: string): Promise<void> {
    for (let dir = from; dir !== bucketDir && inside(bucketDir, dir); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }

  async function* walk(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let handle;
    try {
      handle = await opendir(dir);
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    const entries: Array<{ name: string; isDir: boolean; sortKey: string }> = [];
    for await (const entry of handle) {
      if (entry.name.startsWith(TEMP_PREFIX) || !(entry.isFile() || entry.isDirectory())) continue;
      // every key below directory "d" starts with "d/": sorting on that yields global key order
      entries.push({ name: entry.name, isDir: entry.isDirectory(), sortKey: entry.name + (entry.isDirectory() ? '/' : '') });
    }
    entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const entry of entries) {
      const key = keyPrefix + entry.sortKey;
      if (entry.isDir) {
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* walk(join(dir, entry.name), key, prefix);
      } else if (key.startsWith(prefix)) {
        try {
          const st = await stat(join(dir, entry.name));
          yield { key, size: st.size, modified: st.mtime };
        } catch (e) {
          if (!isMissing(e)) throw e; // deleted while listing: skip it
        }
      }
    }
  }

  return {
    async put(bucket, key, body) {
      const { dir, path } = locate(bucket, key);
      const { tmp, handle } = await createTemp(dir, path, key);
      try {
        await writeBody(handle, body);
        await handle.close();
        await rename(tmp, path);
      } catch (e) {
        await handle.close().catch(() => {});
        await unlink(tmp).catch(() => {});
        if (errCode(e) === 'EISDIR' || errCode(e) === 'ENOTEMPTY') throw new InvalidKeyError(`object key "${key}" is a prefix of other objects`);
        throw e;
      }
    },

    async get(bucket, key) {
      const handle = await openForRead(bucket, key);
      try {
        return await readFile(handle);
      } finally {
        await handle.close();
      }
    },

    async stream(bucket, key, range) {
      if (range) assertRange(range);
      const handle = await openForRead(bucket, key);
      return handle.createReadStream(range && { start: range.start, end: range.end });
    },

    async head(bucket, key) {
      return (await existing(bucket, key))?.info ?? null;
    },

    async delete(bucket, key) {
      const { dir, path } = locate(bucket, key);
      await assertRealParentInside(dir, path, key);
      try {
        if ((await lstat(path)).isDirectory()) return; // a key prefix, not an object
        await unlink(path);
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
      }
      await pruneEmptyDirs(dir, dirname(path));
    },

    async *list(bucket, prefix = '') {
      assertBucket(bucket);
      yield* walk(bucketDirs.get(bucket)!, '', prefix);
    },

    // A disk serves no URLs, runs no lifecycle and holds nothing: callers stream, expire and check holds themselves.
    async presignGet(bucket, key, seconds) {
      assertPresignSeconds(seconds);
      locate(bucket, key);
      return null;
    },

    async applyLifecycle(bucket) {
      assertBucket(bucket);
      return false;
    },

    async setLegalHold(bucket, key) {
      if (!(await existing(bucket, key))) throw new NotFoundError(`no object ${bucket}/${key}`);
      return false;
    },
  };
}
