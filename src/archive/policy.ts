import type { Logger } from '../core/log.ts';
import type { Bucket, Objects } from '../objects/port.ts';
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
 * It lists the archive itself, so objects no index knows about age out too. (On S3 the same
 * policy is a lifecycle configuration, see s3LifecycleRules; holds there are S3 Object Lock legal holds.)
 */
export async function runArchivePolicy(o: ArchivePolicyOptions): Promise<{ deleted: number; bytes: number; held: number }> {
  const cutoff = o.now.getTime() - o.keepDays * 86_400_000;
  const total = { deleted: 0, bytes: 0, held: 0 };
  for (const bucket of o.buckets) {
    for await (const obj of o.target.list(bucket)) {
      const time = (bucket === 'video-segments' ? parseSegmentObjectKey(obj.key)?.start : undefined) ?? obj.modified;
      if (time.getTime() >= cutoff) continue;
      if (holdOn(o.holds, bucket, obj.key, o.segmentSeconds)) {
        total.held += 1;
        continue;
      }
      await o.target.delete(bucket, obj.key);
      o.onDeleted?.(bucket, obj.size);
      total.deleted += 1;
      total.bytes += obj.size;
    }
  }
  if (total.deleted || total.held) o.log.info({ ...total, keep_days: o.keepDays }, 'archive policy: expired objects deleted, held ones kept');
  return total;
}
