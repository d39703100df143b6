import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, objectsContract } from './contract.ts';
import { createDiskObjects } from './disk.ts';
import { BUCKETS, InvalidKeyError, NotFoundError } from './port.ts';

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-objects-'));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const readFileText = (path: string) => readFileSync(path, 'utf8');

/** Every file name below `dir`, recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

objectsContract('disk', async () => createDiskObjects(tempRoot()));

describe('disk objects', () => {
  it('creates one directory per bucket', () => {
    const root = tempRoot();
    createDiskObjects(root);
    for (const bucket of BUCKETS) expect(statSync(join(root, bucket)).isDirectory()).toBe(true);
  });

  it('stores keys as paths and leaves no temp files', async () => {
    const root = tempRoot();
    const objects = createDiskObjects(root);
    await objects.put('video-segments', 'cam_001/2025/01/20/143000.ts', Buffer.from('seg'));
    await objects.put('video-segments', 'cam_001/2025/01/20/143010.ts', Readable.from([Buffer.from('a'), 'b']));
    expect(readFileText(join(root, 'video-segments/cam_001/2025/01/20/143000.ts'))).toBe('seg');
    expect(readFileText(join(root, 'video-segments/cam_001/2025/01/20/143010.ts'))).toBe('ab');
    expect(filesBelow(root).sort()).toEqual(['143000.ts', '143010.ts']);
  });

  it('never shows a half-written object and cleans up after a failed stream', async () => {
    const root = tempRoot();
    const objects = createDiskObjects(root);
    const body = new PassThrough();
    const writing = objects.put('event-clips', 'cam_1/clip.mp4', body);
    body.write(Buffer.alloc(1000));
    await new Promise((r) => setTimeout(r, 20));
    expect(await objects.head('event-clips', 'cam_1/clip.mp4')).toBeNull();
    expect(await collect(objects.list('event-clips'))).toEqual([]);
    body.destroy(new Error('camera went away'));
    await expect(writing).rejects.toThrow('camera went away');
    expect(await objects.head('event-clips', 'cam_1/clip.mp4')).toBeNull();
    expect(filesBelow(root)).toEqual([]);
  });

  it('skips stray temp files when listing and refuses keys that look like them', async () => {
    const root = tempRoot();
    const objects = createDiskObjects(root);
    await objects.put('snapshots', 'cam/a.jpg', Buffer.from('a'));
    writeFileSync(join(root, 'snapshots/cam/.vigil-tmp-0000'), 'half');
    expect((await collect(objects.list('snapshots'))).map((i) => i.key)).toEqual(['cam/a.jpg']);
    await expect(objects.put('snapshots', 'cam/.vigil-tmp-x', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('refuses to follow symlinks out of the bucket', async () => {
    const root = tempRoot();
    const outside = tempRoot();
    writeFileSync(join(outside, 'secret'), 'top secret');
    const objects = createDiskObjects(root);
    symlinkSync(outside, join(root, 'snapshots', 'evil'));
    symlinkSync(join(outside, 'secret'), join(root, 'snapshots', 'leak'));

    await expect(objects.get('snapshots', 'evil/secret')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(objects.head('snapshots', 'evil/secret')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(objects.put('snapshots', 'evil/new/x', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(objects.delete('snapshots', 'evil/secret')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(objects.get('snapshots', 'leak')).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await collect(objects.list('snapshots'))).toEqual([]);
    expect(readdirSync(outside)).toEqual(['secret']);
    expect(readFileText(join(outside, 'secret'))).toBe('top secret');
  });

  it('treats a key prefix as no object and prunes emptied directories on delete', async () => {
    const root = tempRoot();
    const objects = createDiskObjects(root);
    await objects.put('training-data', 'a/b/c.jpg', Buffer.from('c'));
    expect(await objects.head('training-data', 'a/b')).toBeNull();
    await expect(objects.get('training-data', 'a/b')).rejects.toBeInstanceOf(NotFoundError);
    await objects.delete('training-data', 'a/b');
    expect(await objects.head('training-data', 'a/b/c.jpg')).not.toBeNull();
    await expect(objects.put('training-data', 'a/b', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(objects.put('training-data', 'a/b/c.jpg/d', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await objects.delete('training-data', 'a/b/c.jpg');
    expect(existsSync(join(root, 'training-data/a'))).toBe(false);
    expect(existsSync(join(root, 'training-data'))).toBe(true);
    expect(filesBelow(root)).toEqual([]);
  });
});
