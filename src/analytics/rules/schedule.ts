import type { NightConfig, Schedule, TimeWindow } from './schema.ts';
import { WEEKDAYS } from './schema.ts';

/** Local wall-clock time in a time zone: weekday 0 = Sunday, minutes since local midnight. */
export interface LocalTime { weekday: number; minutes: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not an IANA time zone. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/**
 * Wall time from the zone's rules at that instant (Intl), so DST shifts are the zone's business:
 * no offsets are added by hand, and a skipped or repeated local hour is simply what the clock shows.
 */
export function localTime(at: Date, timeZone: string): LocalTime {
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === 'weekday') weekday = WEEKDAYS.indexOf(p.value.toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number]);
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return { weekday, minutes: hour * 60 + minute };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A window may cross midnight (to < from): its early-morning part belongs to the day it started on. from = to is the whole day. */
export function inWindow(t: LocalTime, w: TimeWindow): boolean {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  const startsOn = (day: number) => !w.days || w.days.includes(WEEKDAYS[(day + 7) % 7]!);
  if (from < to) return startsOn(t.weekday) && t.minutes >= from && t.minutes < to;
  if (from === to) return startsOn(t.weekday);
  return (startsOn(t.weekday) && t.minutes >= from) || (startsOn(t.weekday - 1) && t.minutes < to);
}

export const isNight = (t: LocalTime, night: NightConfig): boolean => inWindow(t, { from: night.from, to: night.to });

export function scheduleActive(schedule: Schedule, t: LocalTime, night: NightConfig): boolean {
  if (schedule === 'always') return true;
  if (schedule === 'night') return isNight(t, night);
  if (schedule === 'day') return !isNight(t, night);
  return schedule.some((w) => inWindow(t, w));
}
