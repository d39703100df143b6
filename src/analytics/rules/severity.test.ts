import { describe, expect, it } from 'vitest';
import { severityOf } from './severity.ts';

const s = (o: Partial<Parameters<typeof severityOf>[0]> = {}) => severityOf({ type: 'loitering', night: false, weight: 'normal', confidence: 0.9, durationSeconds: 0, ...o });

describe('severityOf', () => {
  it('base per type', () => {
    expect(s({ type: 'zone_exit' })).toBe('low');
    expect(s({ type: 'zone_enter' })).toBe('medium');
    expect(s({ type: 'line_cross' })).toBe('high');
    expect(s({ type: 'abandoned_object' })).toBe('high');
  });
  it('night, zone weight, low confidence and long duration move one step each, clamped', () => {
    expect(s({ night: true })).toBe('high');
    expect(s({ weight: 'high' })).toBe('high');
    expect(s({ weight: 'low' })).toBe('low');
    expect(s({ confidence: 0.4 })).toBe('low');
    expect(s({ durationSeconds: 600 })).toBe('high');
    expect(s({ night: true, weight: 'high', durationSeconds: 900 })).toBe('critical');
    expect(s({ type: 'line_cross', night: true, weight: 'high', durationSeconds: 900 })).toBe('critical');
    expect(s({ type: 'zone_exit', weight: 'low', confidence: 0.1 })).toBe('low');
  });
});
