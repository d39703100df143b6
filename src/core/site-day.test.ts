import { describe, expect, it } from 'vitest';
import { siteDate, siteDay } from './site-day.ts';

const hours = (r: { start: Date; end: Date }) => (r.end.getTime() - r.start.getTime()) / 3600_000;

describe('site day', () => {
  it('is midnight to midnight on the site clock', () => {
    expect(siteDay('2026-03-10', 'UTC')).toEqual({ start: new Date('2026-03-10T00:00:00Z'), end: new Date('2026-03-11T00:00:00Z') });
    // India, no DST: 18:30 UTC the day before
    expect(siteDay('2026-01-20', 'Asia/Kolkata').start).toEqual(new Date('2026-01-19T18:30:00Z'));
    expect(siteDay('2026-12-31', 'America/New_York')).toEqual({ start: new Date('2026-12-31T05:00:00Z'), end: new Date('2027-01-01T05:00:00Z') });
  });

  it('has 23 and 25 hours on the days the clocks change', () => {
    const spring = siteDay('2026-03-29', 'Europe/Berlin');
    expect(spring.start).toEqual(new Date('2026-03-28T23:00:00Z'));
    expect(hours(spring)).toBe(23);
    expect(hours(siteDay('2026-10-25', 'Europe/Berlin'))).toBe(25);
    expect(hours(siteDay('2026-03-08', 'America/New_York'))).toBe(23);
  });

  it('names the site date of an instant', () => {
    expect(siteDate(new Date('2026-01-19T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-01-19');
    expect(siteDate(new Date('2026-01-19T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-20');
  });
});
