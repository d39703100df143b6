import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { z } from 'zod';
import { alertResponseSchema, formatSeconds, responseTimes } from '@contract/analytics.ts';
import { api, errorText } from '../../api/client.ts';
import css from './analytics.module.css';

type Times = z.infer<typeof responseTimes>;

function TimesRow({ label, t }: { label: ReactNode; t: Times }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{t.alerts}</td>
      <td>{formatSeconds(t.triggered_to_ack.median_seconds)}</td>
      <td>{formatSeconds(t.triggered_to_ack.p90_seconds)}</td>
      <td>{formatSeconds(t.ack_to_resolved.median_seconds)}</td>
      <td>{formatSeconds(t.ack_to_resolved.p90_seconds)}</td>
    </tr>
  );
}

/** How fast alerts were acknowledged and resolved: median and 90th percentile, per severity and camera. */
export function ResponseTimes({ from, to, camera }: { from: string; to: string; camera: string }) {
  const q = useQuery({
    queryKey: ['analytics', 'alert-response', from, to, camera],
    queryFn: () => api.get('/api/v1/analytics/alert-response', { query: { from, to, camera, limit: 1 }, schema: alertResponseSchema }),
  });
  const d = q.data;
  return (
    <section className={`card ${css.panel}`} aria-labelledby="response-title">
      <div className={css.panelHead}><h2 id="response-title">Alert response times</h2></div>
      {q.isPending && <p role="status">Loading…</p>}
      {q.isError && <p role="alert" className="state-bad">{errorText(q.error)}</p>}
      {d && d.overall.alerts === 0 && <p>No alerts in this range.</p>}
      {d && d.overall.alerts > 0 && (
        <div className={css.scroll}>
          <table data-testid="response-times">
            <caption className="visually-hidden">Alert response times: triggered to acknowledged, and acknowledged to resolved</caption>
            <thead>
              <tr><th scope="col">Group</th><th scope="col">Alerts</th><th scope="col">To ack (median)</th><th scope="col">To ack (90 %)</th><th scope="col">Ack to resolved (median)</th><th scope="col">Ack to resolved (90 %)</th></tr>
            </thead>
            <tbody>
              <TimesRow label="All alerts" t={d.overall} />
              {d.by_severity.map((s) => <TimesRow key={s.severity} label={<span className={`chip sev-${s.severity}`}>{s.severity}</span>} t={s} />)}
              {d.by_camera.map((c) => <TimesRow key={c.camera_id} label={`Camera ${c.camera_id}`} t={c} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
