import { useQuery } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, Play } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { timelineDaySchema } from '@contract/recordings.ts';
import { useCameras } from '../../api/cameras.ts';
import { api } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDate, formatTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { DayBar, PRE_ROLL_MS } from './DayBar.tsx';
import { type TimelineDay, type View, GAP_LABELS, hourAround, recordedFrom, secondsOf, shiftDate } from './day.ts';
import { ExportRange } from './ExportRange.tsx';
import css from './Timeline.module.css';
import { type Seek, VodPlayer } from './VodPlayer.tsx';

const DEFAULT_EXPORT_S = 60;

function Legend({ day }: { day: TimelineDay }) {
  const kinds = [...new Set(day.gaps.map((g) => g.kind))];
  return (
    <ul className={css.legend} aria-label="Legend">
      <li><span className={`${css.swatch} ${css.covered}`} />Recorded</li>
      {kinds.map((k) => <li key={k}><span className={`${css.swatch} ${css[`gap_${k}`]}`} />{GAP_LABELS[k]}</li>)}
      <li><span className={`${css.swatch} ${css.eventSwatch}`} />Event</li>
      <li><span className={`${css.swatch} ${css.alertSwatch}`} />Alert</li>
    </ul>
  );
}

function Marks({ day, onSeek }: { day: TimelineDay; onSeek: (at: Date) => void }) {
  const jump = (t: Date | string) => onSeek(new Date(new Date(t).getTime() - PRE_ROLL_MS));
  const tz = day.timezone;
  return (
    <div className={css.lists}>
      <section aria-labelledby="tl-alerts">
        <h2 id="tl-alerts">Alerts ({day.alerts.length})</h2>
        {day.alerts.length === 0 ? <p className={css.muted}>No alert on this day.</p> : (
          <ul className={css.list}>
            {day.alerts.map((a) => (
              <li key={a.id}>
                <button type="button" className="btn btn-ghost" onClick={() => jump(a.time)} aria-label={`Play alert ${a.title} at ${formatTime(a.time, tz)}`}><Play aria-hidden /></button>
                <time dateTime={new Date(a.time).toISOString()}>{formatTime(a.time, tz)}</time>
                <span className={`chip sev-${a.severity}`}>{a.severity}</span>
                <Link to={`/alerts/${a.id}`}>{a.title}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="tl-events">
        <h2 id="tl-events">Events ({day.events.length}{day.marks_truncated ? ', newest shown' : ''})</h2>
        {day.events.length === 0 ? <p className={css.muted}>No event on this day.</p> : (
          <ul className={css.list}>
            {day.events.map((e) => (
              <li key={e.id}>
                <button type="button" className="btn btn-ghost" onClick={() => jump(e.time)} aria-label={`Play ${e.class} at ${formatTime(e.time, tz)}`}><Play aria-hidden /></button>
                <time dateTime={new Date(e.time).toISOString()}>{formatTime(e.time, tz)}</time>
                <Link to={`/events/${e.id}`}>{e.class}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="tl-gaps">
        <h2 id="tl-gaps">Gaps ({day.gaps.length})</h2>
        {day.gaps.length === 0 ? <p className={css.muted}>No gap in the recording.</p> : (
          // focusable: a long list scrolls, and a keyboard must be able to scroll it
          <ul className={css.list} tabIndex={0} aria-labelledby="tl-gaps">
            {day.gaps.map((g) => (
              <li key={String(g.start)}>
                <span>{formatTime(g.start, tz)}–{formatTime(g.end, tz)}</span>
                <strong>{GAP_LABELS[g.kind]}</strong>
                <span className={css.muted}>{g.cause}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export default function TimelinePage() {
  const { camera: cameraId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const cams = useCameras();
  const camera = cams.data?.items.find((c) => c.id === cameraId);
  const tz = camera?.timezone ?? 'UTC';
  const today = formatDate(new Date(), tz);
  const date = params.get('date') ?? today;
  usePageTitle(`Timeline ${camera?.name ?? cameraId} ${date}`);
  const canExport = useCan('recordings:export');

  const day = useQuery({
    queryKey: ['timeline', cameraId, date],
    queryFn: () => api.get(`/api/v1/cameras/${encodeURIComponent(cameraId)}/timeline`, { query: { date }, schema: timelineDaySchema }),
    enabled: Boolean(camera),
    refetchInterval: date === today ? 30_000 : false,
  });
  const [seek, setSeek] = useState<Seek | null>(null);
  const [playhead, setPlayhead] = useState<Date | null>(null);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [focus, setFocus] = useState<View | null>(null);
  const d = day.data;

  // a new camera or day starts with nothing playing and a minute of its first recording selected
  useEffect(() => {
    setSeek(null);
    setPlayhead(null);
    setRange(null);
    setFocus(null);
  }, [cameraId, date]);
  const first = d?.coverage[0];
  // the hour around what plays (at first: the first recording), for a finer scrub than the whole
  // day; it stays put while the playhead is inside, so the bar does not slide under the pointer
  const focusAt = playhead?.getTime() ?? (first ? new Date(first.start).getTime() : null);
  useEffect(() => {
    if (!d || focusAt === null) return;
    if (!focus || focusAt < focus.from.getTime() || focusAt > focus.to.getTime()) setFocus(hourAround(d, new Date(focusAt)));
  }, [d, focusAt, focus]);
  const exportRange = useMemo<[number, number] | null>(() => {
    if (range) return range;
    if (!d || !first) return null;
    const start = secondsOf(d, first.start);
    return [start, Math.min(start + DEFAULT_EXPORT_S, secondsOf(d, first.end))];
  }, [range, d, first]);

  const barRange = canExport ? exportRange ?? undefined : undefined;
  const seekTo = (at: Date) => {
    if (!d) return;
    const from = recordedFrom(d, at) ?? at;
    setPlayhead(from);
    setSeek({ at: from, nonce: Date.now() });
  };
  // a playlist ran out: carry on with the next recorded stretch, if any
  const playOnFrom = (at: Date) => {
    const next = d && recordedFrom(d, new Date(at.getTime() + 1000));
    if (next) seekTo(next);
  };
  const setDate = (next: string) => setParams(next === today ? {} : { date: next });

  if (cams.isPending) return <p role="status" className="page-loading">Loading…</p>;
  if (!camera || !cams.data) return <section><h1>Timeline</h1><p>No camera “{cameraId}” is visible to you.</p></section>;
  return (
    <section aria-labelledby="tl-title" className={css.page}>
      <div className={css.toolbar}>
        <h1 id="tl-title">Timeline</h1>
        <label className="field">
          Camera
          <select value={cameraId} onChange={(e) => navigate(`/timeline/${encodeURIComponent(e.currentTarget.value)}${params.size ? `?${params}` : ''}`)}>
            {cams.data.items.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <div className={css.dayPicker}>
          <button type="button" className="btn" onClick={() => setDate(shiftDate(date, -1))} aria-label="Previous day"><ChevronLeft aria-hidden /></button>
          <label className="field">
            Day
            <input type="date" value={date} max={today} onChange={(e) => e.currentTarget.value && setDate(e.currentTarget.value)} />
          </label>
          <button type="button" className="btn" onClick={() => setDate(shiftDate(date, 1))} disabled={date >= today} aria-label="Next day"><ChevronRight aria-hidden /></button>
        </div>
      </div>
      {day.error && <p role="alert">The timeline could not be loaded: {day.error.message}</p>}
      {!d ? <p role="status" className="page-loading">Loading the day…</p> : (
        <>
          <p className={css.muted} data-testid="coverage-summary">
            {d.coverage.length === 0 ? 'Nothing recorded on this day.' : `${d.coverage.length} recorded stretch${d.coverage.length === 1 ? '' : 'es'}, ${d.gaps.length} gap${d.gaps.length === 1 ? '' : 's'}, ${d.events.length} events, ${d.alerts.length} alerts`} · times in {d.timezone}
          </p>
          <Legend day={d} />
          <DayBar day={d} view={{ from: new Date(d.from), to: new Date(d.to) }} label="Playhead over the day" playhead={playhead} onSeek={seekTo} range={barRange} />
          {d && focus && (
            <>
              <h2 className={css.zoomTitle}>{formatTime(focus.from, d.timezone)}–{formatTime(focus.to, d.timezone)}</h2>
              <DayBar day={d} view={focus} label="Playhead within the hour" playhead={playhead} onSeek={seekTo} range={barRange} />
            </>
          )}
          <VodPlayer cameraId={cameraId} cameraName={camera.name} seek={seek} until={new Date(d.to).getTime()} timezone={d.timezone} onPlayhead={setPlayhead} onEnd={playOnFrom} />
          {canExport && exportRange && <ExportRange day={d} cameraId={cameraId} range={exportRange} onRange={setRange} playhead={playhead} />}
          <Marks day={d} onSeek={seekTo} />
        </>
      )}
    </section>
  );
}
