import type { Readable } from 'node:stream';

/**
 * Objects port: S3-shaped object storage. Adapters: disk.ts (one box) and s3.ts (MinIO/S3).
 * Keys are S3-style ("cam_001/2025/01/20/143000.ts"); buckets are the fixed set of seed §4.2.10.
 */
export const BUCKETS = ['video-segments', 'event-clips', 'training-data', 'snapshots', 'model-artifacts'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

export interface Objects {
  put(bucket: Bucket, key: string, body: Buffer | Readable, contentType?: string): Promise<void>;
  get(bucket: Bucket, key: string): Promise<Buffer>;
  stream(bucket: Bucket, key: string): Promise<Readable>;
  head(bucket: Bucket, key: string): Promise<ObjectInfo | null>;
  delete(bucket: Bucket, key: string): Promise<void>;
  list(bucket: Bucket, prefix?: string): AsyncIterable<ObjectInfo>;
}

export class InvalidKeyError extends Error {}
export class NotFoundError extends Error {}

/** S3 key rules plus what a disk adapter needs to stay inside its root. */
export function assertValidKey(key: string): void {
  if (!key || key.length > 1024) throw new InvalidKeyError(`object key must be 1..1024 characters: "${key.slice(0, 60)}"`);
  if (key.startsWith('/') || key.includes('\\') || key.includes('\0')) throw new InvalidKeyError(`object key must be relative with "/" separators: "${key}"`);
  if (key.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new InvalidKeyError(`object key has an empty, "." or ".." segment: "${key}"`);
}

export function assertBucket(bucket: string): asserts bucket is Bucket {
  if (!(BUCKETS as readonly string[]).includes(bucket)) throw new InvalidKeyError(`unknown bucket "${bucket}" (expected one of ${BUCKETS.join(', ')})`);
}
