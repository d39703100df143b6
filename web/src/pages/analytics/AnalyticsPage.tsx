import { useSearchParams } from 'react-router';
import { useCameras } from '../../api/cameras.ts';
import { SelectField } from '../../components/SelectField.tsx';
import { usePageTitle } from '../../lib/title.ts';
import { useCan } from '../../auth/session.tsx';
import { DailyReport } from './DailyReport.tsx';
import { EventsChart } from './EventsChart.tsx';
import { Heatmap } from './Heatmap.tsx';
import { isRangeKey, RANGES, rangeOf, type RangeKey } from './range.ts';
import { ResponseTimes } from './ResponseTimes.tsx';
import css from './analytics.module.css';

const CLASSES = ['person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle'];

/**
 * Analytics: how busy each camera was (events per hour or day by class), where people stood (a
 * heat map over the camera's picture), how fast alerts were handled, and the daily report with
 * its CSV and PDF downloads. Every filter lives in the URL.
 */
export default function AnalyticsPage() {
  usePageTitle('Analytics');
  const [params, setParams] = useSearchParams();
  const cameras = useCameras();
  const canSeeAlerts = useCan('alerts:read');
  const range: RangeKey = isRangeKey(params.get('range')) ? params.get('range') as RangeKey : '7d';
  const camera = params.get('camera') ?? '';
  const cls = params.get('class') ?? '';
  const heatCamera = params.get('heat') ?? cameras.data?.items[0]?.id ?? '';
  const set = (key: string, value: string) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (value) next.set(key, value); else next.delete(key);
    return next;
  }, { replace: true });
  const span = rangeOf(range);

  return (
    <section className={css.page} aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
      <form className={css.filters} aria-label="Analytics filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Time range" value={range} onChange={(v) => set('range', v)}>
          {Object.entries(RANGES).map(([k, r]) => <option key={k} value={k}>{r.label}</option>)}
        </SelectField>
        <SelectField label="Camera" value={camera} onChange={(v) => set('camera', v)}>
          <option value="">All cameras</option>
          {cameras.data?.items.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </SelectField>
        <SelectField label="Object class" value={cls} onChange={(v) => set('class', v)}>
          <option value="">All classes</option>
          {CLASSES.map((c) => <option key={c} value={c}>{c}</option>)}
        </SelectField>
      </form>

      <EventsChart from={span.from} to={span.to} bucket={RANGES[range].bucket} camera={camera} cls={cls} />
      <Heatmap from={span.from} to={span.to} camera={heatCamera} cameras={cameras.data?.items ?? []} onCamera={(id) => set('heat', id)} />
      {canSeeAlerts && <ResponseTimes from={span.from} to={span.to} camera={camera} />}
      <DailyReport date={params.get('date')} onDate={(d) => set('date', d)} />
    </section>
  );
}
