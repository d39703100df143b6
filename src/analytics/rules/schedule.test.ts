import { describe, expect, it } from 'vitest';
import { inWindow, isNight, localTime, scheduleActive } from './schedule.ts';
import { nightSchema } from './schema.ts';

const night = nightSchema.parse({});
const nightAt = (iso: string, tz: string) => isNight(localTime(new Date(iso), tz), night);

describe('night window 22:00-06:00 (site wall time)', () => {
  it('crosses midnight', () => {
    expect(nightAt('2025-01-20T21:59:00Z', 'UTC')).toBe(false);
    expect(nightAt('2025-01-20T22:00:00Z', 'UTC')).toBe(true);
    expect(nightAt('2025-01-21T00:00:00Z', 'UTC')).toBe(true);
    expect(nightAt('2025-01-21T05:59:00Z', 'UTC')).toBe(true);
    expect(nightAt('2025-01-21T06:00:00Z', 'UTC')).toBe(false);
  });

  it('Europe/London across the spring change (30 March 2025, 01:00 UTC): night ends at 06:00 local = 05:00 UTC', () => {
    expect(nightAt('2025-03-29T05:30:00Z', 'Europe/London')).toBe(true); // 05:30 GMT
    expect(nightAt('2025-03-30T05:30:00Z', 'Europe/London')).toBe(false); // 06:30 BST
    expect(nightAt('2025-03-30T04:59:00Z', 'Europe/London')).toBe(true);
    expect(nightAt('2025-03-30T00:59:00Z', 'Europe/London')).toBe(true); // 00:59 GMT, then 02:00 BST
    expect(nightAt('2025-03-30T01:00:00Z', 'Europe/London')).toBe(true);
  });

  it('Europe/London across the autumn change (26 October 2025): 22:00 local is 21:00 UTC before, 22:00 UTC after', () => {
    expect(nightAt('2025-10-25T21:30:00Z', 'Europe/London')).toBe(true); // 22:30 BST
    expect(nightAt('2025-10-26T21:30:00Z', 'Europe/London')).toBe(false); // 21:30 GMT
    expect(nightAt('2025-10-26T05:30:00Z', 'Europe/London')).toBe(true); // 05:30 GMT
  });

  it('America/New_York across the spring change (9 March 2025, 07:00 UTC)', () => {
    expect(nightAt('2025-03-09T02:30:00Z', 'America/New_York')).toBe(false); // 21:30 EST on the 8th
    expect(nightAt('2025-03-09T03:00:00Z', 'America/New_York')).toBe(true); // 22:00 EST
    expect(nightAt('2025-03-09T10:30:00Z', 'America/New_York')).toBe(false); // 06:30 EDT
    expect(nightAt('2025-03-09T09:30:00Z', 'America/New_York')).toBe(true); // 05:30 EDT
    expect(nightAt('2025-03-10T02:00:00Z', 'America/New_York')).toBe(true); // 22:00 EDT
  });

  it('America/New_York: the repeated hour of the autumn change (2 November 2025) is inside a 01:00-02:00 window twice', () => {
    const w = { from: '01:00', to: '02:00' };
    const inW = (iso: string) => inWindow(localTime(new Date(iso), 'America/New_York'), w);
    expect(inW('2025-11-02T05:30:00Z')).toBe(true); // 01:30 EDT
    expect(inW('2025-11-02T06:30:00Z')).toBe(true); // 01:30 EST
    expect(inW('2025-11-02T07:30:00Z')).toBe(false); // 02:30 EST
  });
});

describe('windows and schedules', () => {
  const t = (weekday: number, hhmm: string) => ({ weekday, minutes: Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)) });

  it('a window crossing midnight belongs to the day it starts on', () => {
    const fri = { from: '22:00', to: '06:00', days: ['fri' as const] };
    expect(inWindow(t(5, '23:00'), fri)).toBe(true);
    expect(inWindow(t(6, '03:00'), fri)).toBe(true); // Saturday early morning
    expect(inWindow(t(5, '03:00'), fri)).toBe(false); // Friday early morning belongs to Thursday
    expect(inWindow(t(6, '23:00'), fri)).toBe(false);
  });

  it('a same-day window, and from = to meaning the whole day', () => {
    expect(inWindow(t(1, '08:00'), { from: '08:00', to: '18:00' })).toBe(true);
    expect(inWindow(t(1, '18:00'), { from: '08:00', to: '18:00' })).toBe(false);
    expect(inWindow(t(0, '12:00'), { from: '00:00', to: '00:00', days: ['sun'] })).toBe(true);
    expect(inWindow(t(1, '12:00'), { from: '00:00', to: '00:00', days: ['sun'] })).toBe(false);
  });

  it('always, night, day, windows', () => {
    expect(scheduleActive('always', t(1, '12:00'), night)).toBe(true);
    expect(scheduleActive('night', t(1, '12:00'), night)).toBe(false);
    expect(scheduleActive('day', t(1, '12:00'), night)).toBe(true);
    expect(scheduleActive('day', t(1, '23:00'), night)).toBe(false);
    expect(scheduleActive([{ from: '11:00', to: '13:00' }], t(1, '12:00'), night)).toBe(true);
  });

  it('weekday from the site zone, not UTC', () => {
    expect(localTime(new Date('2025-01-20T23:30:00Z'), 'Asia/Tokyo')).toEqual({ weekday: 2, minutes: 8 * 60 + 30 }); // Tue 08:30
  });
});
