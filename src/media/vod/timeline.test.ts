import { describe, expect, it } from 'vitest';
import type { GapRow, SegmentRow } from '../../store/repositories/types.ts';
import { BEFORE_OLDEST_CAUSE, buildTimeline, FILES_MISSING_CAUSE, UNRECORDED_CAUSE } from './timeline.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 20, 14, 0, 0) + s * 1000);
let id = 0;
const seg = (from: number, to: number | null, status: SegmentRow['status'] = 'closed'): SegmentRow =>
  ({ id: ++id, camera_id: 'cam', start_time: t(from), end_time: to === null ? null : t(to), path: `cam/x/${id}.ts`, bytes: 100, status });
const gap = (from: number, to: number | null, cause: string, kind: string | null = null): GapRow => ({ camera_id: 'cam', start_time: t(from), end_time: to === null ? null : t(to), cause, kind });
const iso = (spans: Array<{ start: Date; end: Date }>) => spans.map((s) => [s.start.toISOString(), s.end.toISOString()]);

describe('recording timeline', () => {
  it('merges contiguous segments, clips them to the range and keeps stored gap causes', () => {
    const tl = buildTimeline([seg(0, 10), seg(10.2, 20), seg(30, 40), seg(40, null, 'open')], [gap(20, 30, 'camera cam: DVR unreachable')], t(5), t(60), t(45));
    expect(iso(tl.coverage)).toEqual(iso([{ start: t(5), end: t(20) }, { start: t(30), end: t(45) }]));
    expect(tl.gaps.map((g) => g.cause)).toEqual(['camera cam: DVR unreachable']);
    expect([tl.segments, tl.bytes]).toEqual([4, 400]);
  });

  it('names holes without a stored gap, including ones whose files are gone', () => {
    const tl = buildTimeline([seg(0, 10), seg(10, 20, 'missing'), seg(20, 30), seg(40, 50)], [], t(0), t(50), t(100));
    expect(tl.gaps.map((g) => [g.start.toISOString(), g.end.toISOString(), g.cause, g.kind])).toEqual([
      [t(10).toISOString(), t(20).toISOString(), FILES_MISSING_CAUSE, 'files_missing'],
      [t(30).toISOString(), t(40).toISOString(), UNRECORDED_CAUSE, 'unknown'],
    ]);
    expect(tl.segments).toBe(3);
  });

  it('names a hole before the oldest segment kept as deleted by retention or before recording, of no known kind (the sweep records what it deletes)', () => {
    const tl = buildTimeline([seg(100, 110)], [], t(0), t(110), t(110), t(100));
    expect(tl.gaps.map((g) => [g.cause, g.kind])).toEqual([[BEFORE_OLDEST_CAUSE, 'unknown']]);
  });

  it('groups stored gaps by the kind of failure, the sweep or the stop that caused them', () => {
    const stored = [gap(0, 10, 'DVR unreachable', 'unreachable'), gap(10, 20, 'no frame for 20 s', 'stalled'), gap(20, 30, 'cannot write', 'storage'),
      gap(30, 40, 'deleted by retention', 'deleted'), gap(40, 50, 'recorder not running', 'stopped'), gap(50, 60, 'RTSP 401', 'auth'), gap(60, 70, 'old row', null)];
    const tl = buildTimeline([], stored, t(0), t(70), t(70));
    expect(tl.gaps.map((g) => g.kind)).toEqual(['dvr_unreachable', 'camera_offline', 'disk', 'deleted', 'recorder_down', 'refused', 'unknown']);
  });

  it('does not call the future a gap', () => {
    const tl = buildTimeline([seg(0, 10)], [], t(0), t(3600), t(10));
    expect(tl.gaps).toEqual([]);
  });
});
