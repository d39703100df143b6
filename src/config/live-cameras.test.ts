import { describe, expect, it } from 'vitest';
import { LiveCameras, type CameraChange } from './live-cameras.ts';
import type { ResolvedCamera } from './load.ts';

const cam = (id: string, extra: Partial<ResolvedCamera> = {}): ResolvedCamera => ({ id, name: id, siteId: 's', stream: 0, url: `rtsp://10.0.0.9/${id}`, retentionDays: 7, detect: true, ...extra });

describe('LiveCameras', () => {
  it('tells listeners which cameras were added, removed and changed, and nothing when nothing was', () => {
    const cameras = new LiveCameras([cam('a'), cam('b')]);
    const changes: CameraChange[] = [];
    cameras.on('change', (c) => changes.push(c));
    cameras.replace([cam('a'), cam('b')]);
    expect(changes).toEqual([]);
    cameras.replace([cam('a', { motionMask: [[[0, 0], [1, 0], [1, 1]]] }), cam('c')]);
    expect(changes).toEqual([{ added: [cam('c')], removed: [cam('b')], changed: [cam('a', { motionMask: [[[0, 0], [1, 0], [1, 1]]] })] }]);
    expect(cameras.ids()).toEqual(['a', 'c']);
  });

  it('puts and removes one camera, keeping the order of the others', () => {
    const cameras = new LiveCameras([cam('a'), cam('b')]);
    expect(cameras.put(cam('a', { name: 'Gate' })).changed.map((c) => c.id)).toEqual(['a']);
    expect(cameras.list().map((c) => c.name)).toEqual(['Gate', 'b']);
    expect(cameras.put(cam('c')).added.map((c) => c.id)).toEqual(['c']);
    expect(cameras.remove('b').removed.map((c) => c.id)).toEqual(['b']);
    expect(cameras.ids()).toEqual(['a', 'c']);
    expect(cameras.get('b')).toBeUndefined();
    expect(cameras.get('a')?.name).toBe('Gate');
  });
});
