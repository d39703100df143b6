import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { effectiveThresholds } from './product-analyzer.ts';

describe('effectiveThresholds', () => {
  it('shows that tracking.new_track_threshold decides with the defaults', () => {
    const t = effectiveThresholds(configSchema.parse({}));
    expect(t.track_start.person).toEqual({ score: 0.5, set_by: 'tracking.new_track_threshold' });
    expect(t.class_thresholds.person).toBe(0.4);
    expect(t.tracker).toMatchObject({ new_track_threshold: 0.5, low_threshold: 0.2 });
  });

  it('lets a class threshold above the tracker\'s start score decide (as the live tracker does)', () => {
    const config = configSchema.parse({ detection: { thresholds: { person: 0.7 }, default_threshold: 0.6, classes: ['person', 'dog'] } });
    const t = effectiveThresholds(config);
    expect(t.track_start.person).toEqual({ score: 0.7, set_by: 'detection.thresholds.person' });
    expect(t.track_start.dog).toEqual({ score: 0.6, set_by: 'detection.default_threshold' });
  });
});
