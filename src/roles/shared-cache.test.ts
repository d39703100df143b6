import { describe, it } from 'vitest';
import { createMemoryCache } from '../cache/memory.ts';
import { alertWritesAnnounced, cameraStatusSharing } from './test-shared-cache.ts';

describe('roles of several processes through the cache', () => {
  const cache = createMemoryCache();
  it('reaches a follower: what was shared before it started, then each change', cameraStatusSharing(async () => cache, async () => cache));
  it('announces alert writes, and only writes, to the /ws/alerts feeds', alertWritesAnnounced(async () => cache, async () => cache));
});
