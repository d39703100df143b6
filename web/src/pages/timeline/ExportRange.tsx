import { Download } from 'lucide-react';
import { MAX_EXPORT_HOURS } from '@contract/recordings.ts';
import { withQuery } from '../../api/client.ts';
import { formatTime } from '../../lib/time.ts';
import { type TimelineDay, daySeconds, instantOf } from './day.ts';
import css from './Timeline.module.css';

const duration = (s: number): string => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

/** Two handles on the day's scale pick the stretch to download as an MP4 (cut from the recording, no re-encoding). */
export function ExportRange({ day, cameraId, range, onRange, playhead }: {
  day: TimelineDay; cameraId: string; range: [number, number]; onRange: (r: [number, number]) => void; playhead: Date | null;
}) {
  const max = daySeconds(day);
  const [from, to] = range;
  const at = (s: number) => formatTime(instantOf(day, s), day.timezone);
  const playheadSec = playhead ? Math.round((playhead.getTime() - new Date(day.from).getTime()) / 1000) : null;
  const problem = to <= from ? 'The end must be after the start.'
    : to - from > MAX_EXPORT_HOURS * 3600 ? `An export is at most ${MAX_EXPORT_HOURS} h; shorten the range.` : null;
  const href = withQuery(`/api/v1/cameras/${encodeURIComponent(cameraId)}/export.mp4`, { from: instantOf(day, from).toISOString(), to: instantOf(day, to).toISOString() });
  return (
    <fieldset className={css.export}>
      <legend>Export a range as MP4</legend>
      <div className={css.dual}>
        <input type="range" min={0} max={max} step={1} value={from} aria-label="Export from" aria-valuetext={at(from)} onChange={(e) => onRange([Number(e.currentTarget.value), to])} />
        <input type="range" min={0} max={max} step={1} value={to} aria-label="Export to" aria-valuetext={at(to)} onChange={(e) => onRange([from, Number(e.currentTarget.value)])} />
      </div>
      <div className={css.exportRow}>
        <output className={css.readout} aria-live="polite">{at(from)} → {at(to)} ({duration(Math.max(0, to - from))})</output>
        {playheadSec !== null && (
          <>
            <button type="button" className="btn" onClick={() => onRange([playheadSec, Math.max(to, playheadSec + 1)])}>Start at playhead</button>
            <button type="button" className="btn" onClick={() => onRange([Math.min(from, playheadSec - 1), playheadSec])}>End at playhead</button>
          </>
        )}
        {problem ? <p role="alert" className={css.problem}>{problem}</p>
          : <a className="btn btn-primary" href={href} download><Download aria-hidden />Export MP4</a>}
      </div>
    </fieldset>
  );
}
