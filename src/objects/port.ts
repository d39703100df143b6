import type { Readable } from 'node:stream';

/**
 * Objects port: S3-shaped object storage. Adapters: disk.ts (one box) and s3.ts (S3, SeaweedFS).
 * Keys are S3-style ("cam_001/2025/01/20/143000.ts"); buckets are the fixed set of seed §4.2.10.
 */
export const BUCKETS = ['video-segments', 'event-clips', 'training-data', 'snapshots', 'model-artifacts'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

/** Bytes `start` to `end` of an object, both inclusive (as HTTP Range and fs.createReadStream count); no `end`: to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** One rule of a bucket's lifecycle configuration, in S3's shape (AWS SDK field names). */
export interface LifecycleRule {
  ID: string;
  Status: 'Enabled' | 'Disabled';
  Filter: { Prefix: string };
  Transitions?: Array<{ Days: number; StorageClass: 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER' | 'GLACIER_IR' | 'DEEP_ARCHIVE' }>;
  Expiration?: { Days: number };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}

export interface Objects {
  put(bucket: Bucket, key: string, body: Buffer | Readable, contentType?: string): Promise<void>;
  get(bucket: Bucket, key: string): Promise<Buffer>;
  /** the object's bytes, or only those of `range` (a range past the end is cut at the end) */
  stream(bucket: Bucket, key: string, range?: ByteRange): Promise<Readable>;
  head(bucket: Bucket, key: string): Promise<ObjectInfo | null>;
  /** removes the object (on a store with object lock, every version of it); ObjectLockedError while a legal hold is on */
  delete(bucket: Bucket, key: string): Promise<void>;
  list(bucket: Bucket, prefix?: string): AsyncIterable<ObjectInfo>;
  /**
   * A URL that GETs the object without credentials for `seconds` (playback straight from the store),
   * or null when the store hands out no URLs (disk): the caller then streams the bytes itself.
   */
  presignGet(bucket: Bucket, key: string, seconds: number): Promise<string | null>;
  /**
   * Has the store itself apply these lifecycle rules to the bucket (replacing its configuration).
   * False when the store has no lifecycle (disk): the caller's own policy must then expire objects.
   */
  applyLifecycle(bucket: Bucket, rules: LifecycleRule[]): Promise<boolean>;
  /**
   * Puts a legal hold on the object (or releases it): while it is on, the store refuses to delete
   * the object, whoever asks. False when the store cannot hold objects (disk, or S3 without
   * object lock): the caller's own checks are then the only protection.
   */
  setLegalHold(bucket: Bucket, key: string, on: boolean): Promise<boolean>;
}

export class InvalidKeyError extends Error {}
export class NotFoundError extends Error {}
/** The store refused a delete because the object is under legal hold. */
export class ObjectLockedError extends Error {}

/** Longest validity of a presigned URL S3 accepts (SigV4: 7 days). */
export const MAX_PRESIGN_SECONDS = 7 * 86_400;

export function assertRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeError(`byte range must be integers with 0 <= start <= end; got ${start}-${end ?? ''}`);
  }
}

export function assertPresignSeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) throw new RangeError(`presigned URL lifetime must be 1..${MAX_PRESIGN_SECONDS} s; got ${seconds}`);
}

/** S3 key rules plus what a disk adapter needs to stay inside its root. */
export function assertValidKey(key: string): void {
  if (!key || key.length > 1024) throw new InvalidKeyError(`object key must be 1..1024 characters: "${key.slice(0, 60)}"`);
  if (key.startsWith('/') || key.includes('\\') || key.includes('\0')) throw new InvalidKeyError(`object key must be relative with "/" separators: "${key}"`);
  if (key.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new InvalidKeyError(`object key has an empty, "." or ".." segment: "${key}"`);
}

export function assertBucket(bucket: string): asserts bucket is Bucket {
  if (!(BUCKETS as readonly string[]).includes(bucket)) throw new InvalidKeyError(`unknown bucket "${bucket}" (expected one of ${BUCKETS.join(', ')})`);
}
