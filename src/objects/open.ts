import { ConfigError, secretFromEnv } from '../config/load.ts';
import { registerSecret } from '../core/redact.ts';
import type { Config } from '../config/schema.ts';
import { createDiskObjects } from './disk.ts';
import type { Objects } from './port.ts';

/** The Objects the configuration names, and how to release it. */
export interface OpenedObjects {
  objects: Objects;
  close(): void;
}

/**
 * S3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the files their _FILE variants
 * name (Kubernetes secrets); neither: undefined, so the SDK's default chain (roles) applies.
 */
export function s3CredentialsFromEnv(env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = secretFromEnv(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = secretFromEnv(env, 'AWS_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (!accessKeyId || !secretAccessKey) throw new ConfigError('objects.kind s3: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE variants), or neither to use the SDK\'s default chain');
  registerSecret(secretAccessKey);
  return { accessKeyId, secretAccessKey };
}

/** Opens the configured object store; the S3 client is loaded only when configured (the one box never loads it). */
export async function openObjects(config: Config['objects'], objectsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenedObjects> {
  switch (config.kind) {
    case 'disk':
      return { objects: createDiskObjects(objectsDir), close: () => {} };
    case 's3': {
      const { createS3Objects } = await import('./s3.ts');
      const objects = createS3Objects({
        endpoint: config.endpoint, region: config.region, bucketPrefix: config.bucket_prefix, forcePathStyle: config.force_path_style,
        objectLock: config.object_lock, credentials: s3CredentialsFromEnv(env),
      });
      return { objects, close: () => objects.close() };
    }
  }
}
