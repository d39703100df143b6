import { useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { dailyReportSchema, formatSeconds, hourLabel } from '@contract/analytics.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, errorText, withQuery } from '../../api/client.ts';
import { formatDate } from '../../lib/time.ts';
import css from './analytics.module.css';



/** The daily activity report of a site-local day, and its CSV and PDF downloads. */
export function DailyReport({ date, onDate }: { date: string | null; onDate: (d: string) => void }) {
  const tz = useSiteTimezone();
  const day = date ?? formatDate(Date.now(), tz);
  const q = useQuery({
    queryKey: ['reports', 'daily', day],
    queryFn: () => api.get('/api/v1/reports/daily', { query: { date: day }, schema: dailyReportSchema }),
  });
  const d = q.data;
  const download = (format: 'csv' | 'pdf') => withQuery('/api/v1/reports/daily', { date: day, format });

  return (
    <section className={`card ${css.panel}`} aria-labelledby="report-title">
      <div className={css.panelHead}>
        <h2 id="report-title">Daily report</h2>
        <div className="field">
          <label htmlFor="report-day">Day</label>
          <input id="report-day" type="date" value={day} onChange={(e) => e.target.value && onDate(e.target.value)} />
        </div>
        <a className="btn" href={download('csv')} download>
          <Download aria-hidden /> Download CSV
        </a>
        <a className="btn" href={download('pdf')} download>
          <Download aria-hidden /> Download PDF
        </a>
      </div>
      {q.isPending && <p role="status">Loading…</p>}
      {q.isError && <p role="alert" className="state-bad">{errorText(q.error)}</p>}
      {d && (
        <div className={css.report} data-testid="daily-report">
          <dl className={css.facts}>
            <div><dt>Objects seen</dt><dd>{d.events.total}</dd></div>
            <div><dt>Alerts</dt><dd>{d.alerts.total}{d.alerts.false_positives ? ` (${d.alerts.false_positives} false)` : ''}</dd></div>
            <div><dt>Busiest hours</dt><dd>{d.busiest_hours.length ? d.busiest_hours.map(hourLabel).join(', ') : '–'}</dd></div>
            <div><dt>Time to acknowledge (median)</dt><dd>{formatSeconds(d.response.triggered_to_ack.median_seconds)}</dd></div>
          </dl>
          <div className={css.reportTables}>
            <table>
              <caption>Events per camera and class</caption>
              <thead><tr><th scope="col">Camera</th><th scope="col">Class</th><th scope="col">Count</th></tr></thead>
              <tbody>
                {d.events.by_camera_class.length === 0 && <tr><td colSpan={3}>No events.</td></tr>}
                {d.events.by_camera_class.map((e) => <tr key={`${e.camera_id}-${e.class}`}><td>{e.camera_id}</td><td>{e.class}</td><td>{e.count}</td></tr>)}
              </tbody>
            </table>
            <table>
              <caption>Alerts per severity</caption>
              <thead><tr><th scope="col">Severity</th><th scope="col">New</th><th scope="col">Acknowledged</th><th scope="col">Resolved</th></tr></thead>
              <tbody>
                {d.alerts.by_severity.length === 0 && <tr><td colSpan={4}>No alerts.</td></tr>}
                {d.alerts.by_severity.map((s) => <tr key={s.severity}><td><span className={`chip sev-${s.severity}`}>{s.severity}</span></td><td>{s.new}</td><td>{s.ack}</td><td>{s.resolved}</td></tr>)}
              </tbody>
            </table>
            <table>
              <caption>Recording coverage</caption>
              <thead><tr><th scope="col">Camera</th><th scope="col">Recorded</th><th scope="col">Gaps</th></tr></thead>
              <tbody>
                {d.cameras.map((c) => (
                  <tr key={c.camera_id}>
                    <td>{c.name}</td>
                    <td className={c.coverage !== null && c.coverage < 0.95 ? 'state-warn' : undefined}>{c.coverage === null ? '–' : `${(c.coverage * 100).toFixed(1)} %`}</td>
                    <td>{c.gaps.length ? c.gaps.map((g) => `${g.count} × ${g.cause} (${formatSeconds(g.seconds)})`).join('; ') : 'none'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
