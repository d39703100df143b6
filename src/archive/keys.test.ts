import { describe, expect, it } from 'vitest';
import { parseSegmentObjectKey, segmentObjectKey } from './keys.ts';

describe('segment object keys', () => {
  it('maps a recording path to an S3-style key by camera and day, and back', () => {
    const key = segmentObjectKey('cam_001/20250120/143005_123456.ts');
    expect(key).toBe('cam_001/2025/01/20/143005_123456.ts');
    expect(parseSegmentObjectKey(key)).toEqual({ cameraId: 'cam_001', start: new Date('2025-01-20T14:30:05Z') });
  });

  it('rejects what is not a segment', () => {
    expect(() => segmentObjectKey('cam_001/20251320/143005_1.ts')).toThrow(/not a segment/);
    expect(() => segmentObjectKey('../x/20250120/143005_1.ts/..')).toThrow(/not a segment/);
    expect(parseSegmentObjectKey('cam_001/20250120/9.mp4')).toBeNull();
  });
});
