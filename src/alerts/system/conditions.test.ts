import { describe, expect, it } from 'vitest';
import { analysisBehind, archiveLagging, conditionKey, detectorOverload, diskSpace, faceAnalysisDown, videoLoss } from './conditions.ts';

const cams = [
  { id: 'cam_001', name: 'Gate', dvrId: 'dvr1' },
  { id: 'cam_002', name: 'Yard', dvrId: 'dvr1' },
  { id: 'cam_009', name: 'Office' },
];
const T = 1_000_000;

describe('system conditions', () => {
  it('video loss only after the offline threshold, per camera', () => {
    const down = new Map([['cam_001', T - 30_000], ['cam_009', T - 61_000]]);
    const c = videoLoss({ now: T, cameras: cams, downSince: down, offlineAfterMs: 60_000 });
    expect(c.map(conditionKey)).toEqual(['video_loss:cam_009']);
    expect(c[0]).toMatchObject({ cameraId: 'cam_009', severity: 'high', title: 'Camera Office (cam_009): no video for 61 s' });
  });

  it('one DVR alert instead of one per camera when all its cameras are down', () => {
    const down = new Map([['cam_001', T - 90_000], ['cam_002', T - 70_000], ['cam_009', T - 65_000]]);
    const c = videoLoss({ now: T, cameras: cams, downSince: down, offlineAfterMs: 60_000 });
    expect(c.map(conditionKey)).toEqual(['dvr_down:dvr:dvr1', 'video_loss:cam_009']);
    expect(c[0]).toMatchObject({ severity: 'critical', cameraId: 'system', details: { camera_ids: ['cam_001', 'cam_002'] }, title: 'DVR dvr1: all 2 cameras without video for 90 s' });
  });

  it('disk: below the floor, or full within the horizon at the current rate', () => {
    const GiB = 1024 ** 3;
    expect(diskSpace({ freeBytes: 1 * GiB, minFreeBytes: 2 * GiB, bytesPerSecond: null, horizonMs: 86_400_000 })[0]?.kind).toBe('disk_low');
    // 10 GiB above the floor, filling 1 GiB/h: 10 h left
    const soon = diskSpace({ freeBytes: 12 * GiB, minFreeBytes: 2 * GiB, bytesPerSecond: GiB / 3600, horizonMs: 86_400_000 });
    expect(soon[0]).toMatchObject({ kind: 'disk_full_soon', details: { hours_left: 10 } });
    expect(diskSpace({ freeBytes: 100 * GiB, minFreeBytes: 2 * GiB, bytesPerSecond: GiB / 3600, horizonMs: 86_400_000 })).toEqual([]);
    expect(diskSpace({ freeBytes: 12 * GiB, minFreeBytes: 2 * GiB, bytesPerSecond: -GiB, horizonMs: 86_400_000 })).toEqual([]);
  });

  it('detector overload above the skipped share, none without frames', () => {
    expect(detectorOverload({ offered: 1000, skipped: 870, windowMs: 300_000, maxPercent: 20 })[0]?.title).toBe('Detector overloaded: 87 % of frames skipped over the last 5 min');
    expect(detectorOverload({ offered: 1000, skipped: 200, windowMs: 300_000, maxPercent: 20 })).toEqual([]);
    expect(detectorOverload({ offered: 0, skipped: 0, windowMs: 300_000, maxPercent: 20 })).toEqual([]);
  });

  it('analysis and archive lag beyond their limits', () => {
    expect(analysisBehind({ lagSeconds: new Map([['cam_001', 900], ['cam_002', 30]]), cameras: cams, maxLagSeconds: 600 }).map(conditionKey)).toEqual(['analysis_behind:cam_001']);
    expect(archiveLagging({ now: T, lastSyncAt: T - 3600_000, pendingSegments: 12, startedAt: 0, maxAgeSeconds: 1800 })).toHaveLength(1);
    expect(archiveLagging({ now: T, lastSyncAt: T - 3600_000, pendingSegments: 0, startedAt: 0, maxAgeSeconds: 1800 })).toEqual([]);
  });

  it('face analysis down while the face models are not running, with the cause', () => {
    expect(faceAnalysisDown(undefined)).toEqual([]);
    const c = faceAnalysisDown('face models failed to start: face worker failed to start: exit code 1');
    expect(c.map(conditionKey)).toEqual(['face_analysis_down:system']);
    expect(c[0]!.title).toBe('Face analysis is down: face models failed to start: face worker failed to start: exit code 1');
  });
});
