/**
 * Times are shown in the site's time zone (the cameras' site), not the browser's: a guard in
 * one city looking at a site in another reads the clock on the site's wall.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, style: 'time' | 'datetime' | 'date'): Intl.DateTimeFormat {
  const key = `${timeZone}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = style === 'time'
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
      : style === 'date' ? { year: 'numeric', month: '2-digit', day: '2-digit' }
        : { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    f = new Intl.DateTimeFormat('en-CA', { ...opts, timeZone });
    formatters.set(key, f);
  }
  return f;
}

const asDate = (t: Date | string | number): Date => (t instanceof Date ? t : new Date(t));

export const formatTime = (t: Date | string | number, timeZone: string): string => formatter(timeZone, 'time').format(asDate(t));
export const formatDateTime = (t: Date | string | number, timeZone: string): string => formatter(timeZone, 'datetime').format(asDate(t)).replace(',', '');
/** YYYY-MM-DD of the instant in the zone (the `date` parameter of per-day API routes). */
export const formatDate = (t: Date | string | number, timeZone: string): string => formatter(timeZone, 'date').format(asDate(t));

/** "3 min ago" style, for "last update" lines. */
export function ago(t: Date | string | number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - asDate(t).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant `t`. */
function zoneOffset(t: number, timeZone: string): number {
  const p = Object.fromEntries(formatter(timeZone, 'datetime').formatToParts(t).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(t / 1000) * 1000;
}

/**
 * A time typed as the site's wall clock (a datetime-local value, `YYYY-MM-DDTHH:mm`) as the instant
 * it is there; undefined for an incomplete value. The offset is taken at the guessed instant and
 * again at the corrected one, which settles it on either side of a DST change.
 */
export function siteTimeToInstant(local: string, timeZone: string): Date | undefined {
  const asUtc = Date.parse(`${local}Z`);
  if (Number.isNaN(asUtc)) return undefined;
  return new Date(asUtc - zoneOffset(asUtc - zoneOffset(asUtc, timeZone), timeZone));
}
