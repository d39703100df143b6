import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidKeyError, NotFoundError, ObjectLockedError, type Bucket, type ObjectInfo, type Objects } from './port.ts';

const MB = 1024 * 1024;

/** Deterministic non-repeating bytes, so a shifted or truncated chunk changes the hash. */
function chunk(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j += 4) b.writeUInt32LE((i * size + j) >>> 0, j);
  return b;
}

export async function collect(it: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of it) out.push(info);
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * The behaviour every Objects adapter must show (port.ts). All keys live under a random prefix,
 * so the suite can run against a shared real S3/MinIO.
 */
export function objectsContract(name: string, make: () => Promise<Objects>): void {
  describe(`Objects contract: ${name}`, () => {
    let objects: Objects;
    const bucket: Bucket = 'snapshots';
    const run = `contract-${randomUUID().slice(0, 8)}`;
    const k = (key: string) => `${run}/${key}`;

    beforeAll(async () => {
      objects = await make();
    });
    afterAll(async () => {
      for (const info of await collect(objects.list(bucket, `${run}/`))) await objects.delete(bucket, info.key);
    });

    it('puts, heads, gets, lists and deletes an object', async () => {
      const body = Buffer.from([...Array(256).keys()]);
      await objects.put(bucket, k('basic/cam_001/143000.jpg'), body, 'image/jpeg');
      const info = await objects.head(bucket, k('basic/cam_001/143000.jpg'));
      expect(info).toMatchObject({ key: k('basic/cam_001/143000.jpg'), size: 256 });
      expect(info!.modified).toBeInstanceOf(Date);
      expect(Math.abs(info!.modified.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      expect((await objects.get(bucket, k('basic/cam_001/143000.jpg'))).equals(body)).toBe(true);
      expect(await collect(objects.list(bucket, k('basic/')))).toEqual([expect.objectContaining({ key: k('basic/cam_001/143000.jpg'), size: 256 })]);
      await objects.delete(bucket, k('basic/cam_001/143000.jpg'));
      expect(await objects.head(bucket, k('basic/cam_001/143000.jpg'))).toBeNull();
      await expect(objects.get(bucket, k('basic/cam_001/143000.jpg'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await collect(objects.list(bucket, k('basic/')))).toEqual([]);
    });

    it('stores a 5 MB stream and streams it back', async () => {
      const parts = 5;
      const hash = createHash('sha256');
      for (let i = 0; i < parts; i++) hash.update(chunk(i, MB));
      await objects.put(bucket, k('stream/segment.ts'), Readable.from((function* () {
        for (let i = 0; i < parts; i++) yield chunk(i, MB);
      })()), 'video/mp2t');
      expect((await objects.head(bucket, k('stream/segment.ts')))?.size).toBe(parts * MB);
      const back = await readAll(await objects.stream(bucket, k('stream/segment.ts')));
      expect(createHash('sha256').update(back).digest('hex')).toBe(hash.digest('hex'));
    });

    it('overwrites an object', async () => {
      await objects.put(bucket, k('over/x.json'), Buffer.from('{"v":1,"long":true}'));
      await objects.put(bucket, k('over/x.json'), Buffer.from('{"v":2}'));
      expect((await objects.get(bucket, k('over/x.json'))).toString()).toBe('{"v":2}');
      expect((await objects.head(bucket, k('over/x.json')))?.size).toBe(7);
      expect(await collect(objects.list(bucket, k('over/')))).toHaveLength(1);
    });

    it('lists recursively in lexicographic key order, filtered by string prefix', async () => {
      const keys = ['p/cam_2/a.ts', 'p/top.ts', 'p/cam_1/b.ts', 'p/cam_10/a.ts', 'p/cam_1-x/z.ts', 'p/cam_1/a.ts', 'q/other.ts'];
      for (const key of keys) await objects.put(bucket, k(key), Buffer.from(key));
      const listed = (prefix: string) => collect(objects.list(bucket, k(prefix))).then((l) => l.map((i) => i.key.slice(run.length + 1)));
      expect(await listed('p/')).toEqual(['p/cam_1-x/z.ts', 'p/cam_1/a.ts', 'p/cam_1/b.ts', 'p/cam_10/a.ts', 'p/cam_2/a.ts', 'p/top.ts']);
      expect(await listed('p/cam_1')).toEqual(['p/cam_1-x/z.ts', 'p/cam_1/a.ts', 'p/cam_1/b.ts', 'p/cam_10/a.ts']);
      expect(await listed('p/cam_1/')).toEqual(['p/cam_1/a.ts', 'p/cam_1/b.ts']);
      expect(await listed('p/cam_1/b')).toEqual(['p/cam_1/b.ts']);
      expect(await listed('nothing/')).toEqual([]);
    });

    it('rejects invalid keys', async () => {
      for (const bad of ['../x', `${run}/../x`, '/abs', 'a//b', '', 'a/./b', 'trailing/']) {
        await expect(objects.put(bucket, bad, Buffer.from('x')), bad).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(objects.get(bucket, bad), bad).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(objects.head(bucket, bad), bad).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(objects.delete(bucket, bad), bad).rejects.toBeInstanceOf(InvalidKeyError);
      }
    });

    it('rejects an unknown bucket', async () => {
      const nope = 'no-such-bucket' as Bucket;
      await expect(objects.put(nope, k('x'), Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(objects.get(nope, k('x'))).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(collect(objects.list(nope))).rejects.toBeInstanceOf(InvalidKeyError);
    });

    it('reports missing objects S3-style', async () => {
      await expect(objects.get(bucket, k('missing/x'))).rejects.toBeInstanceOf(NotFoundError);
      await expect(objects.stream(bucket, k('missing/x'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await objects.head(bucket, k('missing/x'))).toBeNull();
      await expect(objects.delete(bucket, k('missing/x'))).resolves.toBeUndefined();
    });

    it('reads byte ranges, both ends inclusive, cut at the end of the object', async () => {
      const body = Buffer.from([...Array(256).keys()]);
      await objects.put(bucket, k('range/x.bin'), body);
      const range = async (start: number, end?: number) => readAll(await objects.stream(bucket, k('range/x.bin'), { start, end }));
      expect(await range(10, 19)).toEqual(body.subarray(10, 20));
      expect(await range(0, 0)).toEqual(body.subarray(0, 1));
      expect(await range(250)).toEqual(body.subarray(250));
      expect(await range(200, 10_000)).toEqual(body.subarray(200));
      await expect(objects.stream(bucket, k('range/x.bin'), { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
      await expect(objects.stream(bucket, k('range/missing'), { start: 0, end: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('presigns a GET that serves the object, or says the store serves no URLs', async () => {
      await objects.put(bucket, k('presign/a.jpg'), Buffer.from('frame'), 'image/jpeg');
      const url = await objects.presignGet(bucket, k('presign/a.jpg'), 60);
      if (url !== null) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('frame');
      }
      await expect(objects.presignGet(bucket, k('presign/a.jpg'), 0)).rejects.toBeInstanceOf(RangeError);
      await expect(objects.presignGet(bucket, '../x', 60)).rejects.toBeInstanceOf(InvalidKeyError);
    });

    it('applies lifecycle rules or says the store has none', async () => {
      const applied = await objects.applyLifecycle(bucket, [{ ID: `${run}-expire`, Status: 'Enabled', Filter: { Prefix: `${run}/lifecycle/` }, Expiration: { Days: 3650 } }]);
      expect(typeof applied).toBe('boolean');
      await expect(objects.applyLifecycle('no-such-bucket' as Bucket, [])).rejects.toBeInstanceOf(InvalidKeyError);
    });

    it('refuses to delete an object under legal hold until it is released, where the store holds objects', async () => {
      await objects.put(bucket, k('hold/evidence.ts'), Buffer.from('evidence'));
      await expect(objects.setLegalHold(bucket, k('hold/missing.ts'), true)).rejects.toBeInstanceOf(NotFoundError);
      if (await objects.setLegalHold(bucket, k('hold/evidence.ts'), true)) {
        await expect(objects.delete(bucket, k('hold/evidence.ts'))).rejects.toBeInstanceOf(ObjectLockedError);
        expect((await objects.get(bucket, k('hold/evidence.ts'))).toString()).toBe('evidence');
        expect(await objects.setLegalHold(bucket, k('hold/evidence.ts'), false)).toBe(true);
      }
      await objects.delete(bucket, k('hold/evidence.ts'));
      expect(await objects.head(bucket, k('hold/evidence.ts'))).toBeNull();
    });

    it('keeps buckets apart', async () => {
      await objects.put('event-clips', k('apart/clip.mp4'), Buffer.from('clip'));
      expect(await objects.head(bucket, k('apart/clip.mp4'))).toBeNull();
      expect((await objects.get('event-clips', k('apart/clip.mp4'))).toString()).toBe('clip');
      await objects.delete('event-clips', k('apart/clip.mp4'));
    });
  });
}
