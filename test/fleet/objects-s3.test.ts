import { GetBucketLifecycleConfigurationCommand, GetObjectLegalHoldCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3LifecycleRules } from '../../src/archive/lifecycle.ts';
import { runArchivePolicy } from '../../src/archive/policy.ts';
import { createLogger } from '../../src/core/log.ts';
import { collect, objectsContract } from '../../src/objects/contract.ts';
import { ObjectLockedError, type Objects } from '../../src/objects/port.ts';
import { createS3Objects, ObjectStoreError, type S3ObjectsOptions } from '../../src/objects/s3.ts';
import { requireEngines } from './engines.ts';

const { env, missing } = requireEngines('s3');
const s3 = env.s3;
const MB = 1024 * 1024;

/** A bucket prefix of this run's own, so runs against one server never see each other's buckets. */
const runPrefix = (what: string) => `t${randomUUID().slice(0, 8)}-${what}-`;

function options(over: Partial<S3ObjectsOptions> = {}): S3ObjectsOptions {
  return {
    endpoint: s3!.S3_ENDPOINT, region: s3!.S3_REGION!, forcePathStyle: true, objectLock: false, bucketPrefix: runPrefix('c'),
    credentials: { accessKeyId: s3!.S3_ACCESS_KEY_ID!, secretAccessKey: s3!.S3_SECRET_ACCESS_KEY! },
    ...over,
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe.skipIf(!!missing)('Objects on S3 (SeaweedFS)', () => {
  const opened: Array<{ close(): void }> = [];
  const open = (over: Partial<S3ObjectsOptions> = {}) => {
    const objects = createS3Objects(options(over));
    opened.push(objects);
    return objects;
  };
  afterAll(() => {
    for (const o of opened) o.close();
  });

  // small list pages, so the contract's listings exercise ListObjectsV2 paging
  objectsContract('s3 (SeaweedFS)', async () => open({ pageSize: 2 }));
  objectsContract('s3 with object lock (SeaweedFS)', async () => open({ objectLock: true, bucketPrefix: runPrefix('l') }));

  describe('beyond the contract', () => {
    let objects: ReturnType<typeof createS3Objects>;
    let client: S3Client;
    const prefix = runPrefix('x');
    beforeAll(() => {
      objects = open({ objectLock: true, bucketPrefix: prefix });
      client = new S3Client({ endpoint: s3!.S3_ENDPOINT, region: s3!.S3_REGION, forcePathStyle: true, credentials: { accessKeyId: s3!.S3_ACCESS_KEY_ID!, secretAccessKey: s3!.S3_SECRET_ACCESS_KEY! } });
    });
    afterAll(async () => {
      for (const info of await collect(objects.list('video-segments'))) {
        await objects.setLegalHold('video-segments', info.key, false);
        await objects.delete('video-segments', info.key);
      }
      client.destroy();
    });

    it('refuses a request signed with a wrong secret, naming the bucket but not the secret', async () => {
      const wrongSecret = `wrong-${randomUUID()}`;
      const bucketPrefix = runPrefix('w');
      const impostor = open({ bucketPrefix, credentials: { accessKeyId: s3!.S3_ACCESS_KEY_ID!, secretAccessKey: wrongSecret } });
      const err = await impostor.put('snapshots', 'cam/a.jpg', Buffer.from('x')).then(() => null, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(ObjectStoreError);
      expect(err!.message).toContain(`${bucketPrefix}snapshots`);
      expect(err!.message).toMatch(/access denied|SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
      expect(err!.message).not.toContain(wrongSecret);
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(wrongSecret);
    });

    it('uploads a stream larger than one part as a multipart upload and reads it back whole', async () => {
      const parts = 12; // 12 MiB at the 5 MiB minimum part size: three parts
      const chunk = (i: number) => Buffer.alloc(MB, i + 1);
      const want = createHash('sha256');
      for (let i = 0; i < parts; i++) want.update(chunk(i));
      await objects.put('video-segments', 'cam_1/2025/01/10/100000_1.ts', Readable.from((function* () {
        for (let i = 0; i < parts; i++) yield chunk(i);
      })()), 'video/mp2t');
      expect((await objects.head('video-segments', 'cam_1/2025/01/10/100000_1.ts'))?.size).toBe(parts * MB);
      // a multipart object's ETag ends in its number of parts
      const { ETag } = await client.send(new HeadObjectCommand({ Bucket: `${prefix}video-segments`, Key: 'cam_1/2025/01/10/100000_1.ts' }));
      expect(ETag).toMatch(/-3"?$/);
      const back = await readAll(await objects.stream('video-segments', 'cam_1/2025/01/10/100000_1.ts'));
      expect(createHash('sha256').update(back).digest('hex')).toBe(want.digest('hex'));
      // a range across the boundary of the first two parts
      const range = await readAll(await objects.stream('video-segments', 'cam_1/2025/01/10/100000_1.ts', { start: 5 * MB - 2, end: 5 * MB + 1 }));
      expect([...range]).toEqual([5, 5, 6, 6]);
    });

    it('presigns a GET that plain fetch can use, and that stops working once tampered with', async () => {
      await objects.put('video-segments', 'cam_1/2025/01/10/100010_1.ts', Buffer.from('segment bytes'), 'video/mp2t');
      const url = (await objects.presignGet('video-segments', 'cam_1/2025/01/10/100010_1.ts', 300))!;
      expect(url).not.toContain(s3!.S3_SECRET_ACCESS_KEY!);
      const res = await fetch(url, { headers: { Range: 'bytes=8-12' } });
      expect(res.status).toBe(206);
      expect(await res.text()).toBe('bytes');
      const tampered = new URL(url);
      tampered.searchParams.set('X-Amz-Expires', '604800');
      expect((await fetch(tampered)).status).toBe(403);
    });

    it('applies the archive lifecycle rules, read back as they were applied', async () => {
      // SeaweedFS has no colder storage classes: it refuses transitions, which the error says
      const tiered = s3LifecycleRules({ expireDays: 90 })['video-segments']!.Rules;
      await expect(objects.applyLifecycle('video-segments', tiered)).rejects.toThrow(/PutBucketLifecycleConfiguration .*video-segments.*NotImplemented/);
      const { Rules } = s3LifecycleRules({ expireDays: 90, storageClasses: false })['video-segments']!;
      expect(await objects.applyLifecycle('video-segments', Rules)).toBe(true);
      const back = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: `${prefix}video-segments` }));
      expect(back.Rules).toEqual(Rules);
    });

    it('keeps an object under legal hold from being deleted, by the adapter or by anyone else', async () => {
      const key = 'cam_2/2025/01/10/100000_1.ts';
      await objects.put('video-segments', key, Buffer.from('evidence'));
      expect(await objects.setLegalHold('video-segments', key, true)).toBe(true);
      const hold = await client.send(new GetObjectLegalHoldCommand({ Bucket: `${prefix}video-segments`, Key: key }));
      expect(hold.LegalHold?.Status).toBe('ON');
      await expect(objects.delete('video-segments', key)).rejects.toBeInstanceOf(ObjectLockedError);
      const other: Objects = open({ objectLock: true, bucketPrefix: prefix });
      await expect(other.delete('video-segments', key)).rejects.toBeInstanceOf(ObjectLockedError);
      expect((await objects.get('video-segments', key)).toString()).toBe('evidence');
      await objects.setLegalHold('video-segments', key, false);
      await objects.delete('video-segments', key);
      expect(await objects.head('video-segments', key)).toBeNull();
    });

    it('runs the archive policy: a held segment gets the store\'s legal hold, an expired one whose hold was lifted is deleted', async () => {
      const policyPrefix = runPrefix('p');
      const archive = open({ objectLock: true, bucketPrefix: policyPrefix }); // buckets of its own: the policy looks at every object
      const held = 'cam_3/2025/01/10/100000_1.ts';
      const lifted = 'cam_3/2025/01/11/100000_1.ts';
      for (const key of [held, lifted]) await archive.put('video-segments', key, Buffer.from(key));
      await archive.setLegalHold('video-segments', lifted, true); // held by an earlier pass; the hold is gone since
      const holds = [{ id: 1, bucket: 'video-segments' as const, object_key: held, camera_id: null, from_time: null, to_time: null, reason: 'case', source: 'api' as const, created_at: new Date() }];
      const result = await runArchivePolicy({ target: archive, buckets: ['video-segments'], keepDays: 30, holds, segmentSeconds: 10, now: new Date('2025-03-01T00:00:00Z'), log: createLogger('silent') });
      expect(result).toMatchObject({ deleted: 1, held: 1 });
      expect(await archive.head('video-segments', lifted)).toBeNull();
      const hold = await client.send(new GetObjectLegalHoldCommand({ Bucket: `${policyPrefix}video-segments`, Key: held }));
      expect(hold.LegalHold?.Status).toBe('ON');
      await expect(archive.delete('video-segments', held)).rejects.toBeInstanceOf(ObjectLockedError);
    });
  });
});
