import { useEffect, useRef, useState } from 'react';
import { formatDateTime, formatTime } from '../../lib/time.ts';
import { type TimelineDay, type View, GAP_LABELS, instantOf, percentOf, secondsOf } from './day.ts';
import css from './Timeline.module.css';

/** a drag or held arrow key settles this long before the video is asked to seek */
const SETTLE_MS = 250;
/** events and alerts start a few seconds before they were seen: the approach is part of the story */
export const PRE_ROLL_MS = 5000;

const ms = (t: Date | string): number => new Date(t).getTime();
const inView = (view: View, start: Date | string, end: Date | string = start) => ms(start) <= view.to.getTime() && ms(end) >= view.from.getTime();

/** Tick marks: every 3 h over a day, every 10 min over an hour. */
function ticks(view: View): Date[] {
  const length = view.to.getTime() - view.from.getTime();
  const step = length > 6 * 3600_000 ? 3 * 3600_000 : 10 * 60_000;
  // over a day the ticks count from its midnight (the site's, whatever its offset); over an hour from whole minutes
  const first = length > 6 * 3600_000 ? view.from.getTime() : Math.ceil(view.from.getTime() / step) * step;
  const out: Date[] = [];
  for (let t = first; t <= view.to.getTime(); t += step) out.push(new Date(t));
  return out;
}

/**
 * A stretch of the day at a glance: recorded stretches, gaps coloured by cause (the cause on hover,
 * and in the list below for keyboards and screen readers), events and alerts as marks; the bar
 * itself is the playhead — click or drag to play from there, arrows to step.
 */
export function DayBar({ day, view, label, playhead, onSeek, range }: {
  day: TimelineDay; view: View; label: string; playhead: Date | null; onSeek: (at: Date) => void; range?: [number, number];
}) {
  const [scrub, setScrub] = useState<number | null>(null);
  const settle = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(settle.current), []);
  const min = secondsOf(day, view.from);
  const max = secondsOf(day, view.to);
  const value = Math.min(max, Math.max(min, scrub ?? (playhead ? secondsOf(day, playhead) : min)));
  const move = (s: number) => {
    setScrub(s);
    clearTimeout(settle.current);
    settle.current = setTimeout(() => {
      setScrub(null);
      onSeek(instantOf(day, s));
    }, SETTLE_MS);
  };
  const span = (start: Date | string, end: Date | string) => {
    const left = percentOf(view, start);
    return { left: `${left}%`, width: `${Math.max(0.15, percentOf(view, end) - left)}%` };
  };
  const jump = (t: Date | string) => onSeek(new Date(ms(t) - PRE_ROLL_MS));
  const tz = day.timezone;
  const rangeView = range && { start: instantOf(day, range[0]), end: instantOf(day, range[1]) };
  return (
    <div className={css.day}>
      <div className={css.track} aria-hidden="true">
        {day.coverage.filter((c) => inView(view, c.start, c.end)).map((c) => <span key={`c${String(c.start)}`} className={css.covered} style={span(c.start, c.end)} title={`Recorded ${formatTime(c.start, tz)}–${formatTime(c.end, tz)}`} />)}
        {day.gaps.filter((g) => inView(view, g.start, g.end)).map((g) => <span key={`g${String(g.start)}`} className={`${css.gap} ${css[`gap_${g.kind}`]}`} style={span(g.start, g.end)} title={`${GAP_LABELS[g.kind]} ${formatTime(g.start, tz)}–${formatTime(g.end, tz)}: ${g.cause}`} />)}
        {rangeView && inView(view, rangeView.start, rangeView.end) && <span className={css.range} style={span(rangeView.start, rangeView.end)} />}
        {day.events.filter((e) => inView(view, e.time)).map((e) => <span key={`e${e.id}`} className={css.event} style={{ left: `${percentOf(view, e.time)}%` }} title={`${e.class} at ${formatTime(e.time, tz)}`} onClick={() => jump(e.time)} />)}
        {day.alerts.filter((a) => inView(view, a.time)).map((a) => <span key={`a${a.id}`} className={`${css.alertMark} sev-${a.severity}`} style={{ left: `${percentOf(view, a.time)}%` }} title={`${a.severity} alert: ${a.title} at ${formatTime(a.time, tz)}`} onClick={() => jump(a.time)} />)}
      </div>
      <input
        type="range" className={css.scrub} min={min} max={max} step={1} value={value}
        aria-label={label} aria-valuetext={formatDateTime(instantOf(day, value), tz)}
        onChange={(e) => move(Number(e.currentTarget.value))}
      />
      <div className={css.hours} aria-hidden="true">
        {ticks(view).map((t) => <span key={t.toISOString()} style={{ left: `${percentOf(view, t)}%` }}>{formatTime(t, tz).slice(0, 5)}</span>)}
      </div>
    </div>
  );
}
