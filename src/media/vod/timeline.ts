import type { GapKind } from '../../api/contract/recordings.ts';
import type { GapRow, SegmentRow } from '../../store/repositories/types.ts';
import type { FailureKind } from '../failure.ts';
import { CONTIGUOUS_TOLERANCE_MS } from './playlist.ts';

export interface Span {
  start: Date;
  end: Date;
}

export interface Timeline {
  coverage: Span[];
  gaps: Array<Span & { cause: string; kind: GapKind }>;
  segments: number;
  bytes: number;
}

export const UNRECORDED_CAUSE = 'not recorded (no cause stored)';
export const FILES_MISSING_CAUSE = 'recorded, but the segment files are gone';
export const BEFORE_OLDEST_CAUSE = 'before the oldest recording kept (deleted by retention, or recording had not started)';

/** The kind a recorder failure (or the sweep, or a stop) stored with a gap, as a timeline groups it. */
const STORED_KINDS: Record<FailureKind | 'stopped' | 'deleted', GapKind> = {
  stalled: 'camera_offline', ended: 'camera_offline', corrupt: 'camera_offline',
  unreachable: 'dvr_unreachable',
  auth: 'refused', not_found: 'refused',
  storage: 'disk',
  crashed: 'recorder_down', stopped: 'recorder_down',
  deleted: 'deleted',
};
export const gapKind = (stored: string | null): GapKind => STORED_KINDS[stored as keyof typeof STORED_KINDS] ?? 'unknown';

const clip = (s: Span, r: Span): Span | null => {
  const start = new Date(Math.max(s.start.getTime(), r.start.getTime()));
  const end = new Date(Math.min(s.end.getTime(), r.end.getTime()));
  return end > start ? { start, end } : null;
};
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/**
 * Coverage and gaps of [from, to) for a timeline: segments that still hold video merge into
 * spans; stored gaps keep their cause; any other hole up to `now` is listed with a generic cause.
 * The open segment counts up to `now`; a hole before `oldestKept` (the camera's oldest segment) is
 * what retention deleted or what came before recording.
 */
export function buildTimeline(segments: SegmentRow[], storedGaps: GapRow[], from: Date, to: Date, now: Date, oldestKept: Date | null = null): Timeline {
  const range = { start: from, end: to };
  const recorded = segments.filter((s) => s.status !== 'missing');
  const coverage: Span[] = [];
  for (const s of recorded) {
    const span = clip({ start: s.start_time, end: s.end_time ?? now }, range);
    if (!span) continue;
    const last = coverage.at(-1);
    if (last && span.start.getTime() - last.end.getTime() <= CONTIGUOUS_TOLERANCE_MS) {
      if (span.end > last.end) last.end = span.end;
    } else coverage.push(span);
  }

  const gaps: Timeline['gaps'] = [];
  for (const g of storedGaps) {
    const span = clip({ start: g.start_time, end: g.end_time ?? now }, range);
    if (span) gaps.push({ ...span, cause: g.cause, kind: gapKind(g.kind) });
  }
  const horizon = { start: from, end: new Date(Math.min(to.getTime(), now.getTime())) };
  let cursor = from;
  for (const span of [...coverage, { start: horizon.end, end: horizon.end }]) {
    const hole = clip({ start: cursor, end: span.start }, horizon);
    if (hole && hole.end.getTime() - hole.start.getTime() > CONTIGUOUS_TOLERANCE_MS && !gaps.some((g) => overlaps(g, hole))) {
      const gone = segments.some((s) => s.status === 'missing' && overlaps({ start: s.start_time, end: s.end_time ?? s.start_time }, hole));
      const beforeOldest = oldestKept !== null && hole.end <= oldestKept;
      gaps.push(gone ? { ...hole, cause: FILES_MISSING_CAUSE, kind: 'files_missing' }
        : beforeOldest ? { ...hole, cause: BEFORE_OLDEST_CAUSE, kind: 'unknown' }
          : { ...hole, cause: UNRECORDED_CAUSE, kind: 'unknown' });
    }
    if (span.end > cursor) cursor = span.end;
  }
  gaps.sort((a, b) => a.start.getTime() - b.start.getTime());
  return { coverage, gaps, segments: recorded.length, bytes: recorded.reduce((n, s) => n + Number(s.bytes), 0) };
}
