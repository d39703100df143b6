import type { Readable } from 'node:stream';
import type { Bucket, Objects } from '../objects/port.ts';

export class ArchiveCopyError extends Error {}

/**
 * Makes sure `bucket/key` in the archive holds `size` bytes: writes it only when head does not
 * already show that size, then checks head again. Returns whether it wrote.
 */
export async function confirmCopy(target: Objects, bucket: Bucket, key: string, size: number, body: () => Readable | Promise<Readable>, contentType?: string): Promise<boolean> {
  if ((await target.head(bucket, key))?.size === size) return false;
  await target.put(bucket, key, await body(), contentType);
  const after = await target.head(bucket, key);
  if (after?.size !== size) throw new ArchiveCopyError(`archive copy of ${bucket}/${key} has ${after ? `${after.size} bytes` : 'vanished'}, expected ${size} bytes`);
  return true;
}
