import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { eventCountsSchema } from '@contract/analytics.ts';
import { api, errorText } from '../../api/client.ts';
import { formatDate, formatDateTime } from '../../lib/time.ts';
import css from './analytics.module.css';

/** one colour per series, distinguishable on the dark theme */
export const PALETTE = ['#4cc2ff', '#ffc14d', '#5ad17a', '#ff9548', '#c58cff', '#ff6b9a', '#8fa3b8', '#3dd6c6'];

interface Props { from: string; to: string; bucket: 'hour' | 'day'; camera: string; cls: string }

/** Events per hour or day, one stacked bar per camera and class; the same numbers as a table on request. */
export function EventsChart({ from, to, bucket, camera, cls }: Props) {
  const [asTable, setAsTable] = useState(false);
  const q = useQuery({
    queryKey: ['analytics', 'events', from, to, bucket, camera, cls],
    queryFn: () => api.get('/api/v1/analytics/events', { query: { from, to, bucket, camera, class: cls }, schema: eventCountsSchema }),
  });
  const d = q.data;
  const label = (t: Date | string) => (d ? (bucket === 'day' ? formatDate(t, d.timezone) : formatDateTime(t, d.timezone).slice(5, 16)) : '');
  const names = d?.series.map((s) => `${s.camera_id} · ${s.class}`) ?? [];
  const rows = d?.buckets.map((b, i) => ({ bucket: label(b), ...Object.fromEntries(d.series.map((s, j) => [names[j], s.counts[i]])) })) ?? [];

  return (
    <section className={`card ${css.panel}`} aria-labelledby="events-chart-title">
      <div className={css.panelHead}>
        <h2 id="events-chart-title">Events per {bucket}</h2>
        {d && <span className={css.muted}>{d.total} objects seen · times in {d.timezone}</span>}
        <label className={css.toggle}><input type="checkbox" checked={asTable} onChange={(e) => setAsTable(e.target.checked)} /> Show as table</label>
      </div>
      {q.isPending && <p role="status">Loading…</p>}
      {q.isError && <p role="alert" className="state-bad">{errorText(q.error)}</p>}
      {d && d.series.length === 0 && <p>No events in this range.</p>}
      {d && d.series.length > 0 && !asTable && (
        <figure className={css.chart} aria-label={`Bar chart of events per ${bucket}: ${d.total} in total over ${d.series.length} camera and class series`}>
          <ResponsiveContainer width="100%" height={280}>
            <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid stroke="#2c353f" vertical={false} />
              <XAxis dataKey="bucket" stroke="#a3afbc" tick={{ fontSize: 12 }} minTickGap={16} />
              <YAxis stroke="#a3afbc" allowDecimals={false} tick={{ fontSize: 12 }} width={40} />
              <Tooltip contentStyle={{ background: '#161b21', border: '1px solid #2c353f' }} cursor={{ fill: '#ffffff10' }} />
              <Legend />
              {names.map((n, i) => <Bar key={n} dataKey={n} stackId="events" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />)}
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
      {d && d.series.length > 0 && asTable && (
        <div className={css.scroll}>
          <table>
            <caption className="visually-hidden">Events per {bucket} by camera and class</caption>
            <thead><tr><th scope="col">{bucket === 'day' ? 'Day' : 'Hour'}</th>{names.map((n) => <th key={n} scope="col">{n}</th>)}</tr></thead>
            <tbody>{rows.filter((_, i) => d.series.some((s) => s.counts[i]! > 0)).map((r) => (
              <tr key={r.bucket}><th scope="row">{r.bucket}</th>{names.map((n) => <td key={n}>{(r as Record<string, unknown>)[n] as number}</td>)}</tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}
