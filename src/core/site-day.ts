/**
 * The calendar day of a site as an instant range: a timeline "day" is the day on the site's
 * wall clock, midnight to midnight in its IANA zone (23 or 25 hours across a DST change).
 */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of offsetFormatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant the site's wall clock shows 00:00 on the given day (y, month 1-12, d). */
function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const wall = Date.UTC(y, m - 1, d);
  // the offset at the guess, then at the corrected instant: right on both sides of a DST change
  const first = wall - zoneOffsetMs(wall, timeZone);
  return new Date(wall - zoneOffsetMs(first, timeZone));
}

/** [start, end) of `date` (YYYY-MM-DD) on the wall clock of `timeZone`. */
export function siteDay(date: string, timeZone: string): { start: Date; end: Date } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return { start: localMidnight(y, m, d, timeZone), end: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone) };
}

/** Today's date (YYYY-MM-DD) on the wall clock of `timeZone`. */
export function siteDate(at: Date, timeZone: string): string {
  return new Date(at.getTime() + zoneOffsetMs(at.getTime(), timeZone)).toISOString().slice(0, 10);
}
