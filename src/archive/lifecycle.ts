import type { Bucket } from '../objects/port.ts';

/** The shape of S3 PutBucketLifecycleConfiguration's LifecycleConfiguration (AWS SDK v3 field names). */
export interface S3LifecycleRule {
  ID: string;
  Status: 'Enabled';
  Filter: { Prefix: string };
  Transitions?: Array<{ Days: number; StorageClass: 'STANDARD_IA' | 'DEEP_ARCHIVE' }>;
  Expiration?: { Days: number };
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: number };
}

export interface S3LifecycleOptions {
  /** delete after this many days; absent: kept in Deep Archive for good */
  expireDays?: number;
  buckets?: Bucket[];
  /** false: the store has no colder storage classes (SeaweedFS refuses transition rules), so the rules only expire and clean up */
  storageClasses?: boolean;
}

/** Seed §4.2.10: Standard → Standard-IA after 30 days → Glacier Deep Archive after 365 days. */
export const S3_TIERS = [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 365, StorageClass: 'DEEP_ARCHIVE' }] as const;

/**
 * The lifecycle configuration the S3 adapter applies to each archive bucket. Transitions at or
 * after the expiration are left out (S3 rejects a rule that expires before it transitions).
 * Objects under legal hold are protected by S3 Object Lock, which expiration cannot override.
 * Half-finished multipart uploads (a sync killed mid-copy) are cleaned up after a day.
 */
export function s3LifecycleRules(o: S3LifecycleOptions = {}): Record<string, { Rules: S3LifecycleRule[] }> {
  const buckets = o.buckets ?? ['video-segments', 'event-clips'];
  if (o.expireDays !== undefined && !(Number.isInteger(o.expireDays) && o.expireDays > 0)) throw new RangeError(`expireDays must be a positive integer; got ${o.expireDays}`);
  const transitions = S3_TIERS.filter((t) => o.expireDays === undefined || t.Days < o.expireDays).map((t) => ({ ...t }));
  return Object.fromEntries(buckets.map((bucket) => [bucket, {
    Rules: [{
      ID: `vigil-${bucket}-tiers`,
      Status: 'Enabled' as const,
      Filter: { Prefix: '' },
      ...(o.storageClasses === false ? {} : { Transitions: transitions }),
      ...(o.expireDays !== undefined ? { Expiration: { Days: o.expireDays } } : {}),
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    }],
  }]));
}
