import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand, PutObjectLegalHoldCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import {
  assertBucket, assertPresignSeconds, assertRange, assertValidKey, BUCKETS, NotFoundError, ObjectLockedError, type Bucket, type ObjectInfo, type Objects,
} from './port.ts';

export interface S3ObjectsOptions {
  /** e.g. http://127.0.0.1:18333; absent: AWS's own endpoint for the region */
  endpoint?: string;
  region: string;
  /** put before each of BUCKETS' names, so several deployments (or test runs) can share one store */
  bucketPrefix: string;
  /** bucket in the path, not the host name (what S3-compatible servers on one address need) */
  forcePathStyle: boolean;
  /** create buckets with object lock, so legal holds are enforced by the store */
  objectLock: boolean;
  /** absent: the SDK's default chain (AWS_* variables, instance or pod roles) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** multipart part size in bytes (S3's minimum, 5 MiB, by default) */
  partSize?: number;
  /** keys per ListObjectsV2 page (S3's maximum, 1000, by default) */
  pageSize?: number;
}

/** An S3 request failed for a reason other than a missing object: names the request and bucket, never the credentials. */
export class ObjectStoreError extends Error {}

const MIN_PART_SIZE = 5 * 1024 * 1024;
// parts in flight per upload: memory held is queueSize × partSize
const UPLOAD_QUEUE = 2;

function isMissing(e: unknown): boolean {
  return e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404);
}

/** Why a request failed: S3's error code and message, or the HTTP status where the answer had no body (HEAD). */
function reasonOf(e: unknown): string {
  if (!(e instanceof S3ServiceException)) return (e as Error).message;
  const status = e.$metadata.httpStatusCode;
  if (e.name === 'Unknown' || e.name === 'UnknownError') return status === 403 ? 'HTTP 403: access denied (check the access key and secret, and their permissions)' : `HTTP ${status ?? 'error'}`;
  return `${e.name}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`;
}

/** S3 bucket names: 3..63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
export function assertBucketName(name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new RangeError(`"${name}" is not a valid S3 bucket name (check objects.bucket_prefix)`);
}

/**
 * Objects on S3 (or an S3-compatible server such as SeaweedFS). Each of BUCKETS is the bucket
 * `<bucketPrefix><name>`, created on its first use (a store that is not reachable yet fails that
 * call, and the next one tries again). Streams and large bodies go up as multipart uploads, so a
 * segment is never held whole in memory; reads stream.
 */
export function createS3Objects(o: S3ObjectsOptions): Objects & { close(): void } {
  const client = new S3Client({ endpoint: o.endpoint, region: o.region, forcePathStyle: o.forcePathStyle, credentials: o.credentials });
  const partSize = Math.max(o.partSize ?? MIN_PART_SIZE, MIN_PART_SIZE);
  const where = o.endpoint ?? `S3 ${o.region}`;
  const names = new Map<Bucket, string>(BUCKETS.map((b) => [b, `${o.bucketPrefix}${b}`]));
  for (const name of names.values()) assertBucketName(name);
  const ready = new Map<Bucket, Promise<string>>();

  /** Rethrows an S3 failure as the port's error: missing → NotFoundError, else one naming the request and bucket. */
  function failure(e: unknown, request: string, bucket: string, key?: string): Error {
    const object = key === undefined ? bucket : `${bucket}/${key}`;
    if (isMissing(e)) return new NotFoundError(`no object ${object}`);
    return new ObjectStoreError(`${request} ${object} at ${where} failed: ${reasonOf(e)}`, { cause: e });
  }

  async function createBucket(name: string): Promise<string> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: name }));
      return name;
    } catch (e) {
      if (!isMissing(e)) throw failure(e, 'HeadBucket', name);
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: o.objectLock || undefined }));
    } catch (e) {
      // another process created it meanwhile
      if (!(e instanceof S3ServiceException && e.name === 'BucketAlreadyOwnedByYou')) throw failure(e, 'CreateBucket', name);
    }
    return name;
  }

  /** The bucket's S3 name, once it exists. */
  function bucketName(bucket: Bucket): Promise<string> {
    assertBucket(bucket);
    let p = ready.get(bucket);
    if (!p) {
      p = createBucket(names.get(bucket)!);
      ready.set(bucket, p);
      p.catch(() => ready.delete(bucket));
    }
    return p;
  }

  async function located(bucket: Bucket, key: string): Promise<string> {
    assertBucket(bucket);
    assertValidKey(key);
    return bucketName(bucket);
  }

  async function send<T>(request: string, bucket: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw failure(e, request, bucket, key);
    }
  }

  /** Every version and delete marker of exactly `key` (on an object-lock bucket, a plain delete only hides the data). */
  async function versionsOf(name: string, key: string): Promise<string[]> {
    const ids: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await send('ListObjectVersions', name, key, () => client.send(new ListObjectVersionsCommand({ Bucket: name, Prefix: key, KeyMarker, VersionIdMarker })));
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) if (v.Key === key && v.VersionId) ids.push(v.VersionId);
      if (!page.IsTruncated) return ids;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
  }

  async function deleteVersion(name: string, key: string, VersionId?: string): Promise<void> {
    try {
      await client.send(new DeleteObjectCommand({ Bucket: name, Key: key, VersionId }));
    } catch (e) {
      if (isMissing(e)) return;
      if (o.objectLock && e instanceof S3ServiceException && e.name === 'AccessDenied') throw new ObjectLockedError(`${name}/${key} is under legal hold: not deleted`, { cause: e });
      throw failure(e, 'DeleteObject', name, key);
    }
  }

  return {
    async put(bucket, key, body, contentType) {
      const name = await located(bucket, key);
      const upload = new Upload({ client, params: { Bucket: name, Key: key, Body: body, ContentType: contentType }, partSize, queueSize: UPLOAD_QUEUE, leavePartsOnError: false });
      await send('PutObject', name, key, () => upload.done());
    },

    async get(bucket, key) {
      const name = await located(bucket, key);
      return send('GetObject', name, key, async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      });
    },

    async stream(bucket, key, range) {
      if (range) assertRange(range);
      const name = await located(bucket, key);
      const Range = range && `bytes=${range.start}-${range.end ?? ''}`;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: name, Key: key, Range }));
        return res.Body as Readable;
      } catch (e) {
        // a range starting past the end: the object exists, the range is empty
        if (range && e instanceof S3ServiceException && e.name === 'InvalidRange') return Readable.from([]);
        throw failure(e, 'GetObject', name, key);
      }
    },

    async head(bucket, key) {
      const name = await located(bucket, key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: name, Key: key }));
        return { key, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
      } catch (e) {
        if (isMissing(e)) return null;
        throw failure(e, 'HeadObject', name, key);
      }
    },

    async delete(bucket, key) {
      const name = await located(bucket, key);
      if (!o.objectLock) return deleteVersion(name, key);
      for (const id of await versionsOf(name, key)) await deleteVersion(name, key, id);
    },

    async *list(bucket, prefix = '') {
      const name = await bucketName(bucket);
      let ContinuationToken: string | undefined;
      do {
        const page = await send('ListObjectsV2', name, prefix || undefined, () => client.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix || undefined, ContinuationToken, MaxKeys: o.pageSize })));
        for (const c of page.Contents ?? []) yield { key: c.Key!, size: c.Size ?? 0, modified: c.LastModified ?? new Date(0) } satisfies ObjectInfo;
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async presignGet(bucket, key, seconds) {
      assertPresignSeconds(seconds);
      assertBucket(bucket);
      assertValidKey(key);
      // signing is local: no request, so the bucket need not exist yet
      const name = names.get(bucket)!;
      return getSignedUrl(client, new GetObjectCommand({ Bucket: name, Key: key }), { expiresIn: seconds });
    },

    async applyLifecycle(bucket, rules) {
      const name = await bucketName(bucket);
      await send('PutBucketLifecycleConfiguration', name, undefined, () => client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: name, LifecycleConfiguration: { Rules: rules } })));
      return true;
    },

    async setLegalHold(bucket, key, on) {
      const name = await located(bucket, key);
      if (!o.objectLock) {
        if (!(await this.head(bucket, key))) throw new NotFoundError(`no object ${name}/${key}`);
        return false;
      }
      try {
        await client.send(new PutObjectLegalHoldCommand({ Bucket: name, Key: key, LegalHold: { Status: on ? 'ON' : 'OFF' } }));
      } catch (e) {
        // servers differ in how they refuse a hold on a missing object (SeaweedFS: 500 InternalError)
        if (!isMissing(e) && (await this.head(bucket, key))) throw failure(e, 'PutObjectLegalHold', name, key);
        throw new NotFoundError(`no object ${name}/${key}`);
      }
      return true;
    },

    close() {
      client.destroy();
    },
  };
}
