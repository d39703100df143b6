import { describe, expect, it } from 'vitest';
import { formatDateTime, siteTimeToInstant } from './time.ts';

describe('siteTimeToInstant', () => {
  it('reads a typed time on the site\'s clock, whatever the browser\'s zone', () => {
    expect(siteTimeToInstant('2026-07-01T09:30', 'Asia/Kolkata')?.toISOString()).toBe('2026-07-01T04:00:00.000Z');
    expect(siteTimeToInstant('2026-01-15T23:00', 'America/New_York')?.toISOString()).toBe('2026-01-16T04:00:00.000Z');
    expect(siteTimeToInstant('2026-01-15T23:00', 'UTC')?.toISOString()).toBe('2026-01-15T23:00:00.000Z');
  });

  it('takes the offset in force at that time on either side of a DST change, and round-trips with the display', () => {
    // Berlin: CET (+1) until 2026-03-29 02:00, CEST (+2) after
    expect(siteTimeToInstant('2026-03-29T01:30', 'Europe/Berlin')?.toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(siteTimeToInstant('2026-03-29T03:30', 'Europe/Berlin')?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    const at = siteTimeToInstant('2026-10-10T18:45', 'Europe/Berlin')!;
    expect(formatDateTime(at, 'Europe/Berlin')).toBe('2026-10-10 18:45:00');
  });

  it('gives nothing for an incomplete value', () => {
    expect(siteTimeToInstant('', 'UTC')).toBeUndefined();
    expect(siteTimeToInstant('2026-13-01T00:00', 'UTC')).toBeUndefined();
  });
});
