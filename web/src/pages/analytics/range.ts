/**
 * The time ranges the analytics page offers: a range ends now and reaches back a fixed span.
 * Kept in the URL (`?range=7d`), so a view can be reloaded or sent to a colleague.
 */
export const RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24, bucket: 'hour' },
  '7d': { label: 'Last 7 days', hours: 7 * 24, bucket: 'hour' },
  '30d': { label: 'Last 30 days', hours: 30 * 24, bucket: 'day' },
} as const;

export type RangeKey = keyof typeof RANGES;

export const isRangeKey = (s: string | null): s is RangeKey => s !== null && s in RANGES;

/** from/to of a range ending at `now`, rounded down to the minute so repeated renders ask the same query */
export function rangeOf(key: RangeKey, now = Date.now()): { from: string; to: string } {
  const to = Math.floor(now / 60_000) * 60_000;
  return { from: new Date(to - RANGES[key].hours * 3_600_000).toISOString(), to: new Date(to).toISOString() };
}
