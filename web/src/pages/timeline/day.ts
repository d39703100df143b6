import type { z } from 'zod';
import type { GapKind, timelineDaySchema } from '@contract/recordings.ts';

export type TimelineDay = z.infer<typeof timelineDaySchema>;

/** The words of a gap's kind (the legend, the list); the cause text says it in full. */
export const GAP_LABELS: Record<GapKind, string> = {
  camera_offline: 'Camera offline',
  dvr_unreachable: 'DVR unreachable',
  refused: 'Stream refused',
  disk: 'Disk problem',
  recorder_down: 'Recorder not running',
  deleted: 'Deleted (retention)',
  files_missing: 'Files missing',
  unknown: 'Not recorded',
};

const ms = (t: Date | string): number => new Date(t).getTime();

/** The stretch a bar shows: the whole day, or an hour of it. */
export interface View { from: Date; to: Date }

const HOUR_MS = 3600_000;

/** The hour around `at`, kept inside the day. */
export function hourAround(day: Pick<TimelineDay, 'from' | 'to'>, at: Date): View {
  const from = Math.max(ms(day.from), Math.min(at.getTime() - HOUR_MS / 2, ms(day.to) - HOUR_MS));
  return { from: new Date(from), to: new Date(Math.min(ms(day.to), from + HOUR_MS)) };
}

/** Where an instant sits on a bar showing from–to, 0–100 %. */
export function percentOf(view: { from: Date | string; to: Date | string }, t: Date | string): number {
  const from = ms(view.from);
  return Math.min(100, Math.max(0, ((ms(t) - from) / (ms(view.to) - from)) * 100));
}

/** Seconds since the day's start (the bars' value) and back. */
export const secondsOf = (day: Pick<TimelineDay, 'from'>, t: Date | string): number => Math.round((ms(t) - ms(day.from)) / 1000);
export const instantOf = (day: Pick<TimelineDay, 'from'>, seconds: number): Date => new Date(ms(day.from) + seconds * 1000);
export const daySeconds = (day: Pick<TimelineDay, 'from' | 'to'>): number => Math.round((ms(day.to) - ms(day.from)) / 1000);

/** YYYY-MM-DD one day before or after (calendar arithmetic: no time zone involved). */
export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first recorded instant at or after `t`, or null when nothing is recorded after it. */
export function recordedFrom(day: TimelineDay, t: Date): Date | null {
  for (const c of day.coverage) {
    if (ms(c.end) <= t.getTime()) continue;
    return new Date(Math.max(ms(c.start), t.getTime()));
  }
  return null;
}
