import { hourLabel } from '../../api/contract/analytics.ts';
import { csvLine } from '../../core/csv.ts';
import type { DailyReport } from './service.ts';

/**
 * The daily report as one CSV table (section, camera_id, subject, measure, value), so a
 * spreadsheet can filter and pivot it without knowing its layout.
 */
const HEADER = ['section', 'camera_id', 'subject', 'measure', 'value'];

type Cell = string | number | null;

export function dailyReportCsv(r: DailyReport): string {
  const rows: Cell[][] = [
    ['report', null, null, 'date', r.date],
    ['report', null, null, 'timezone', r.timezone],
    ['report', null, null, 'from', new Date(r.from).toISOString()],
    ['report', null, null, 'to', new Date(r.to).toISOString()],
    ['report', null, null, 'generated_at', new Date(r.generated_at).toISOString()],
    ['events', null, null, 'total', r.events.total],
    ...r.events.by_camera_class.map((e): Cell[] => ['events', e.camera_id, e.class, 'count', e.count]),
    ...r.hours.map((h): Cell[] => ['hours', null, hourLabel(h.hour), 'events', h.count]),
    ...r.busiest_hours.map((h, i): Cell[] => ['busiest_hours', null, hourLabel(h), 'rank', i + 1]),
    ['alerts', null, null, 'total', r.alerts.total],
    ['alerts', null, null, 'false_positives', r.alerts.false_positives],
    ...r.alerts.by_severity.flatMap((s) => (['total', 'new', 'ack', 'resolved'] as const).map((k): Cell[] => ['alerts', null, s.severity, k, s[k]])),
    ['response', null, null, 'alerts', r.response.alerts],
    ...(['triggered_to_ack', 'ack_to_resolved', 'triggered_to_resolved'] as const).flatMap((k) => {
      const t = r.response[k];
      return [['response', null, k, 'count', t.count], ['response', null, k, 'median_seconds', t.median_seconds ?? null], ['response', null, k, 'p90_seconds', t.p90_seconds ?? null]] as Cell[][];
    }),
    ...r.cameras.flatMap((c): Cell[][] => [
      ['cameras', c.camera_id, c.name, 'recorded_seconds', c.recorded_seconds],
      ['cameras', c.camera_id, c.name, 'coverage', c.coverage ?? null],
      ...c.gaps.flatMap((g): Cell[][] => [['gaps', c.camera_id, g.cause, 'count', g.count], ['gaps', c.camera_id, g.cause, 'seconds', g.seconds]]),
    ]),
  ];
  return [HEADER, ...rows].map(csvLine).join('');
}
