import { useQuery } from '@tanstack/react-query';
import { healthSchema, storageSchema } from '@contract/system.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, ApiError, errorText } from '../../api/client.ts';
import { formatDateTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import css from './admin.module.css';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
export function formatBytes(n: number): string {
  let v = n, i = 0;
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${UNITS[i]}`;
}

/** healthy and stopped (on purpose) components are fine; the others are highlighted, critical ones in red */
const severity = (state: string): 'ok' | 'warn' | 'bad' => (state === 'healthy' || state === 'stopped' ? 'ok' : state === 'critical' ? 'bad' : 'warn');
const rowClass = (state: string): string | undefined => ({ ok: undefined, warn: css.degraded, bad: css.critical })[severity(state)];
const chipClass = (state: string): string => `state-${severity(state)}`;

function Health() {
  const tz = useSiteTimezone();
  const health = useQuery({ queryKey: ['system', 'health'], queryFn: () => api.get('/api/v1/system/health', { schema: healthSchema }), refetchInterval: 10_000 });
  const h = health.data;
  const components = h ? Object.entries(h.components).sort(([a, x], [b, y]) => Number(severity(y.state) !== 'ok') - Number(severity(x.state) !== 'ok') || a.localeCompare(b)) : [];
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      {health.isPending && <p role="status">Loading…</p>}
      {health.isError && <p role="alert" className={css.error}>{errorText(health.error)}</p>}
      {h && (
        <>
          <dl className={css.facts}>
            <div><dt>Overall</dt><dd><span className={`chip ${chipClass(h.status)}`} data-testid="health-status">{h.status}</span></dd></div>
            <div><dt>Database</dt><dd><span className={`chip ${h.database === 'ok' ? 'state-ok' : 'state-bad'}`}>{h.database}</span></dd></div>
            <div><dt>Version</dt><dd>{h.version}</dd></div>
            <div><dt>Running since</dt><dd>{formatDateTime(h.started_at, tz)}</dd></div>
          </dl>
          <div className={css.scroll}>
            <table>
              <caption className="visually-hidden">Components and their state; degraded ones first</caption>
              <thead><tr><th scope="col">Component</th><th scope="col">State</th><th scope="col">Why</th><th scope="col">Since</th></tr></thead>
              <tbody>{components.map(([name, c]) => (
                <tr key={name} className={rowClass(c.state)}>
                  <th scope="row">{name}</th>
                  <td><span className={`chip ${chipClass(c.state)}`}>{c.state}</span></td>
                  <td>{c.detail ?? ''}</td>
                  <td>{formatDateTime(c.since, tz)}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Storage() {
  const tz = useSiteTimezone();
  const storage = useQuery({
    queryKey: ['system', 'storage'], queryFn: () => api.get('/api/v1/system/storage', { schema: storageSchema }), refetchInterval: 30_000,
    retry: (n, e) => !(e instanceof ApiError && e.status === 503) && n < 2,
  });
  const s = storage.data;
  const share = s && s.budget_bytes > 0 ? Math.min(1, s.used_bytes / s.budget_bytes) : 0;
  const low = s && (s.over_budget_bytes > 0 || (s.projected_days_left !== null && s.projected_days_left < 7));
  return (
    <section className="card" aria-labelledby="storage-title">
      <h2 id="storage-title">Storage</h2>
      {storage.isPending && <p role="status">Loading…</p>}
      {storage.isError && <p role={storage.error instanceof ApiError && storage.error.status === 503 ? 'status' : 'alert'}>{errorText(storage.error)}</p>}
      {s && (
        <>
          <p className={low ? 'state-warn' : undefined}>
            {formatBytes(s.used_bytes)} of {formatBytes(s.budget_bytes)} used; {formatBytes(s.free_disk_bytes)} free on the disk
            {s.over_budget_bytes > 0 && `; ${formatBytes(s.over_budget_bytes)} over budget`}
            {s.projected_days_left !== null && `; full in about ${Math.round(s.projected_days_left)} days`}.
          </p>
          <div className={css.bar} role="meter" aria-label="Storage budget used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share * 100)}>
            <div className={`${css.barFill} ${low ? css.barOver : ''}`} style={{ width: `${share * 100}%` }} />
          </div>
          <div className={css.scroll}>
            <table>
              <caption className="visually-hidden">Storage per class</caption>
              <thead><tr><th scope="col">Class</th><th scope="col">Size</th><th scope="col">Files</th><th scope="col">Oldest kept</th></tr></thead>
              <tbody>{Object.entries(s.classes).map(([name, c]) => (
                <tr key={name}><th scope="row">{name}</th><td>{formatBytes(c.bytes)}</td><td>{c.files ?? '–'}</td><td>{c.oldest ? formatDateTime(c.oldest, tz) : '–'}</td></tr>
              ))}</tbody>
            </table>
          </div>
          <p className={css.note}>Swept {formatDateTime(s.swept_at, tz)}. When the budget is full, the oldest is deleted first in this order: {s.deletion_order.join(', ')}.</p>
        </>
      )}
    </section>
  );
}

/** System health (every component, degraded ones first and highlighted) and storage usage. */
export default function SystemSettings() {
  usePageTitle('System');
  return (
    <section className={css.page} aria-labelledby="system-title">
      <h1 id="system-title">System</h1>
      <Health />
      <Storage />
    </section>
  );
}
