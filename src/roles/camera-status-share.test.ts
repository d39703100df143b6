import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../cache/memory.ts';
import { configSchema } from '../config/schema.ts';
import { sharesCameraStatus } from './camera-status-share.ts';
import { cameraStatusSharing } from './test-camera-status.ts';

describe('camera status shared through the cache', () => {
  it('is shared only when the cache is', () => {
    expect(sharesCameraStatus(configSchema.parse({}))).toBe(false);
    expect(sharesCameraStatus(configSchema.parse({ cache: { kind: 'redis' } }))).toBe(true);
  });

  const cache = createMemoryCache();
  it('reaches a follower: what was shared before it started, then each change', cameraStatusSharing(async () => cache, async () => cache));
});
