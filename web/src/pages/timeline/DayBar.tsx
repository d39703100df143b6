import { useEffect, useRef, useState } from 'react';
import { formatDateTime, formatTime } from '../../lib/time.ts';
import { type TimelineDay, GAP_LABELS, daySeconds, instantOf, percentOf, secondsOf } from './day.ts';
import css from './Timeline.module.css';

/** a drag or held arrow key settles this long before the video is asked to seek */
const SETTLE_MS = 250;

const span = (day: TimelineDay, start: Date | string, end: Date | string) => {
  const left = percentOf(day, start);
  return { left: `${left}%`, width: `${Math.max(0.15, percentOf(day, end) - left)}%` };
};

/**
 * The day at a glance: recorded stretches, gaps coloured by cause (the cause on hover, and in the
 * list below for keyboards and screen readers), events and alerts as marks; the bar itself is the
 * playhead — click or drag to play from there, arrows to step.
 */
export function DayBar({ day, playhead, onSeek, range }: { day: TimelineDay; playhead: Date | null; onSeek: (at: Date) => void; range?: [number, number] }) {
  const max = daySeconds(day);
  const [scrub, setScrub] = useState<number | null>(null);
  const settle = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(settle.current), []);
  const value = scrub ?? (playhead ? secondsOf(day, playhead) : 0);
  const move = (s: number) => {
    setScrub(s);
    clearTimeout(settle.current);
    settle.current = setTimeout(() => {
      setScrub(null);
      onSeek(instantOf(day, s));
    }, SETTLE_MS);
  };
  const hours = Array.from({ length: Math.floor(max / 3600) + 1 }, (_, h) => instantOf(day, h * 3600));
  return (
    <div className={css.day}>
      <div className={css.track} aria-hidden="true">
        {day.coverage.map((c) => <span key={`c${String(c.start)}`} className={css.covered} style={span(day, c.start, c.end)} title={`Recorded ${formatTime(c.start, day.timezone)}–${formatTime(c.end, day.timezone)}`} />)}
        {day.gaps.map((g) => <span key={`g${String(g.start)}`} className={`${css.gap} ${css[`gap_${g.kind}`]}`} style={span(day, g.start, g.end)} title={`${GAP_LABELS[g.kind]} ${formatTime(g.start, day.timezone)}–${formatTime(g.end, day.timezone)}: ${g.cause}`} />)}
        {range && <span className={css.range} style={span(day, instantOf(day, range[0]), instantOf(day, range[1]))} />}
        {day.events.map((e) => <span key={`e${e.id}`} className={css.event} style={{ left: `${percentOf(day, e.time)}%` }} title={`${e.class} at ${formatTime(e.time, day.timezone)}`} onClick={() => onSeek(new Date(new Date(e.time).getTime() - 5000))} />)}
        {day.alerts.map((a) => <span key={`a${a.id}`} className={`${css.alertMark} sev-${a.severity}`} style={{ left: `${percentOf(day, a.time)}%` }} title={`${a.severity} alert: ${a.title} at ${formatTime(a.time, day.timezone)}`} onClick={() => onSeek(new Date(new Date(a.time).getTime() - 5000))} />)}
      </div>
      <input
        type="range" className={css.scrub} min={0} max={max} step={1} value={value}
        aria-label="Playhead: time of the day to play" aria-valuetext={formatDateTime(instantOf(day, value), day.timezone)}
        onChange={(e) => move(Number(e.currentTarget.value))}
      />
      <div className={css.hours} aria-hidden="true">
        {hours.filter((_, i) => i % 3 === 0).map((t) => <span key={t.toISOString()} style={{ left: `${percentOf(day, t)}%` }}>{formatTime(t, day.timezone).slice(0, 5)}</span>)}
      </div>
    </div>
  );
}
