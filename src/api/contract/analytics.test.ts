import { describe, expect, it } from 'vitest';
import { formatSeconds } from './analytics.ts';

describe('formatSeconds', () => {
  it('reads as hours, minutes and seconds, leaving out the zero parts', () => {
    expect(formatSeconds(0)).toBe('0 s');
    expect(formatSeconds(59.6)).toBe('1 min');
    expect(formatSeconds(95)).toBe('1 min 35 s');
    expect(formatSeconds(3600)).toBe('1 h');
    expect(formatSeconds(3725)).toBe('1 h 2 min 5 s');
  });

  it('shows a dash for what was not measured', () => {
    expect(formatSeconds(null)).toBe('–');
    expect(formatSeconds(undefined)).toBe('–');
  });
});
