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
