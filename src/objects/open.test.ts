import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.ts';
import { configSchema } from '../config/schema.ts';
import { openObjects, s3CredentialsFromEnv } from './open.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-objects-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openObjects', () => {
  it('opens the disk store by default and an S3 store when configured', async () => {
    const disk = await openObjects(configSchema.parse({}).objects, dir);
    expect(await disk.objects.presignGet('snapshots', 'a.jpg', 60)).toBeNull();
    const s3 = await openObjects(configSchema.parse({ objects: { kind: 's3', endpoint: 'http://127.0.0.1:1' } }).objects, dir, { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' });
    const url = await s3.objects.presignGet('snapshots', 'a.jpg', 60);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:1\/vigil-snapshots\/a\.jpg\?.*X-Amz-Signature=/);
    expect(url).not.toContain('secret');
    s3.close();
  });

  it('refuses an endpoint carrying credentials and a bucket prefix S3 would refuse', () => {
    expect(configSchema.safeParse({ objects: { kind: 's3', endpoint: 'http://key:secret@s3.local' } }).success).toBe(false);
    expect(configSchema.safeParse({ objects: { kind: 's3', bucket_prefix: 'Vigil_' } }).success).toBe(false);
  });
});

describe('s3CredentialsFromEnv', () => {
  it('reads the key pair from variables or from the files their _FILE variants name', () => {
    expect(s3CredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 's3cr3t' })).toEqual({ accessKeyId: 'id', secretAccessKey: 's3cr3t' });
    writeFileSync(path.join(dir, 'secret'), 'from-file\n');
    expect(s3CredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY_FILE: path.join(dir, 'secret') })).toEqual({ accessKeyId: 'id', secretAccessKey: 'from-file' });
  });

  it('leaves the SDK its default chain when neither is set, and refuses half a pair', () => {
    expect(s3CredentialsFromEnv({})).toBeUndefined();
    expect(() => s3CredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id' })).toThrow(ConfigError);
  });
});
