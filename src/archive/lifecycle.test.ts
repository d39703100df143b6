import { describe, expect, it } from 'vitest';
import { s3LifecycleRules } from './lifecycle.ts';

describe('s3LifecycleRules', () => {
  it('tiers segments and clips Standard → Standard-IA at 30 d → Deep Archive at 365 d, cleaning up half uploads', () => {
    const rules = s3LifecycleRules();
    expect(Object.keys(rules)).toEqual(['video-segments', 'event-clips']);
    expect(rules['video-segments']).toEqual({
      Rules: [{
        ID: 'vigil-video-segments-tiers', Status: 'Enabled', Filter: { Prefix: '' },
        Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 365, StorageClass: 'DEEP_ARCHIVE' }],
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      }],
    });
  });

  it('adds an expiration and drops the transitions it would come before', () => {
    const rule = s3LifecycleRules({ expireDays: 90, buckets: ['event-clips'] })['event-clips']!.Rules[0]!;
    expect(rule.Expiration).toEqual({ Days: 90 });
    expect(rule.Transitions).toEqual([{ Days: 30, StorageClass: 'STANDARD_IA' }]);
    expect(() => s3LifecycleRules({ expireDays: 0 })).toThrow(/positive integer/);
  });

  it('leaves the transitions out for a store without storage classes', () => {
    const rule = s3LifecycleRules({ expireDays: 90, storageClasses: false })['video-segments']!.Rules[0]!;
    expect(rule).not.toHaveProperty('Transitions');
    expect(rule.Expiration).toEqual({ Days: 90 });
    expect(rule.AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 1 });
  });
});
