import type { Logger } from '../core/log.ts';
import { ObjectLockedError, type Bucket, type Objects } from '../objects/port.ts';
import type { LegalHold } from '../store/repositories/archive.ts';
import { holdOn } from './holds.ts';
import { parseSegmentObjectKey } from './keys.ts';

export interface ArchivePolicyOptions {
  target: Objects;
  buckets: Bucket[];
  keepDays: number;
  /** active holds: objects they cover are never deleted */
  holds: LegalHold[];
  /** bounds a segment's span from its key (its start) for range holds */
  segmentSeconds: number;
  now: Date;
  log: Logger;
  onDeleted?: (bucket: Bucket, bytes: number) => void;
}

/**
 * One-box archive policy: deletes archived objects older than keep_days — by recorded time for
 * segments (from the key), by write time for other objects — except those under legal hold.
 * It lists the archive itself, so objects no index knows about age out too. On S3 with object
 * lock, every held object also gets an S3 legal hold, so the store refuses anyone else's delete
 * (and the bucket's lifecycle expiration, see s3LifecycleRules) as well.
 */
export async function runArchivePolicy(o: ArchivePolicyOptions): Promise<{ deleted: number; bytes: number; held: number }> {
  const cutoff = o.now.getTime() - o.keepDays * 86_400_000;
  const total = { deleted: 0, bytes: 0, held: 0 };
  for (const bucket of o.buckets) {
    for await (const obj of o.target.list(bucket)) {
      const held = holdOn(o.holds, bucket, obj.key, o.segmentSeconds) !== undefined;
      // where the store has object lock, the hold becomes the store's too: nothing else can delete the object either
      if (held) await o.target.setLegalHold(bucket, obj.key, true);
      const time = (bucket === 'video-segments' ? parseSegmentObjectKey(obj.key)?.start : undefined) ?? obj.modified;
      if (time.getTime() >= cutoff) continue;
      if (held) {
        total.held += 1;
        continue;
      }
      await deleteUnheld(o.target, bucket, obj.key);
      o.onDeleted?.(bucket, obj.size);
      total.deleted += 1;
      total.bytes += obj.size;
    }
  }
  if (total.deleted || total.held) o.log.info({ ...total, keep_days: o.keepDays }, 'archive policy: expired objects deleted, held ones kept');
  return total;
}

/** Deletes an object no hold covers any more; a hold since lifted may still bind the store, so it is released there first. */
async function deleteUnheld(target: Objects, bucket: Bucket, key: string): Promise<void> {
  try {
    await target.delete(bucket, key);
  } catch (e) {
    if (!(e instanceof ObjectLockedError)) throw e;
    await target.setLegalHold(bucket, key, false);
    await target.delete(bucket, key);
  }
}
