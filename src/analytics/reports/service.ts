/**
 * Analytics and the daily report: aggregates over the events, alerts and recordings of the
 * cameras the caller may see. Days and hours are the site's (its configured time zone), so the
 * report of "7 December" covers the night shift the guards know as that day.
 */
import sharp from 'sharp';
import type { z } from 'zod';
import type { alertResponseSchema, dailyReportSchema, eventCountsSchema, heatmapSchema, responseTimes } from '../../api/contract/analytics.ts';
import { MAX_RANGE_DAYS } from '../../api/contract/analytics.ts';
import { SEVERITIES } from '../../api/contract/alerts.ts';
import { callerSeesCamera, visibleCameras, type Caller } from '../../core/actor.ts';
import { invalid, notFound } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { AlertTimingGroup, AnalyticsRepo, AnalyticsScope, TimingStat } from '../../store/repositories/analytics.ts';

export interface ReportServiceDeps {
  analytics: AnalyticsRepo;
  objects: Objects;
  log: Logger;
  /** the site's IANA time zone */
  timezone: string;
  /** the configured cameras, for names and for cameras that recorded nothing */
  cameras: () => readonly { id: string; name: string }[];
  /** the size of a camera's newest live frame, when this process sees its frames (a still of it is served) */
  liveFrame?: (cameraId: string) => Promise<{ width: number; height: number } | undefined>;
  now?: () => Date;
}

export type EventCounts = z.input<typeof eventCountsSchema>;
export type Heatmap = z.input<typeof heatmapSchema>;
export type AlertResponse = z.input<typeof alertResponseSchema>;
export type DailyReport = z.input<typeof dailyReportSchema>;
type ResponseTimes = z.input<typeof responseTimes>;

const DAY_MS = 86_400_000;
/** the busiest hours a report names */
const BUSIEST = 3;

/** 400 unless `from` is before `to` and the range is at most `maxDays` long. */
export function checkRange(r: { from: Date; to: Date }, maxDays: number): void {
  if (r.to <= r.from) throw invalid(`query parameter 'to' (${r.to.toISOString()}) must be after 'from' (${r.from.toISOString()})`);
  if (r.to.getTime() - r.from.getTime() > maxDays * DAY_MS) throw invalid(`the range from 'from' to 'to' is longer than ${maxDays} days; ask for a shorter one`);
}

const stat = (s: TimingStat) => ({ count: s.count, median_seconds: s.median, p90_seconds: s.p90 });
const times = (g: AlertTimingGroup): ResponseTimes => ({
  alerts: g.alerts, triggered_to_ack: stat(g.triggered_to_ack), ack_to_resolved: stat(g.ack_to_resolved), triggered_to_resolved: stat(g.triggered_to_resolved),
});
const NO_TIMES: ResponseTimes = times({
  severity: null, camera_id: null, alerts: 0,
  triggered_to_ack: { count: 0, median: null, p90: null }, ack_to_resolved: { count: 0, median: null, p90: null }, triggered_to_resolved: { count: 0, median: null, p90: null },
});
const secondsBetween = (later: Date | null, earlier: Date | null): number | null => (later && earlier ? (later.getTime() - earlier.getTime()) / 1000 : null);
const isSeverity = (s: string | null): s is (typeof SEVERITIES)[number] => (SEVERITIES as readonly string[]).includes(s ?? '');

export type ReportService = ReturnType<typeof reportService>;

export function reportService(deps: ReportServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const tz = deps.timezone;
  /** the cameras a caller asked for, narrowed to those it may see; null = it may see none of them */
  const scope = (caller: Caller, range: { from: Date; to: Date }, camera?: string): AnalyticsScope | null => {
    const cameraIds = visibleCameras(caller, camera);
    return cameraIds?.length === 0 ? null : { cameraIds, ...range };
  };

  /** the pixel size of a stored snapshot, null when it is gone or unreadable */
  const pictureSize = async (cameraId: string, key: string): Promise<{ width: number; height: number } | null> => {
    try {
      const meta = await sharp(await deps.objects.get('snapshots', key)).metadata();
      return meta.width && meta.height ? { width: meta.width, height: meta.height } : null;
    } catch (err) {
      deps.log.debug({ camera_id: cameraId, cause: (err as Error).message }, 'snapshot size unknown; the heat map takes its frame from the boxes');
      return null;
    }
  };

  async function responseTimesOf(s: AnalyticsScope, severity?: string) {
    const groups = await deps.analytics.alertTimingStats({ ...s, severity });
    const overall = groups.find((g) => g.severity === null && g.camera_id === null);
    return {
      overall: overall ? times(overall) : NO_TIMES,
      by_severity: groups.flatMap((g) => (isSeverity(g.severity) ? [{ severity: g.severity, ...times(g) }] : [])),
      by_camera: groups.flatMap((g) => (g.camera_id !== null ? [{ camera_id: g.camera_id, ...times(g) }] : [])),
    };
  }

  return {
    async eventCounts(caller: Caller, q: { from: Date; to: Date; bucket: 'hour' | 'day'; camera?: string; class?: string; type: string }): Promise<EventCounts> {
      checkRange(q, MAX_RANGE_DAYS[q.bucket]);
      const buckets = await deps.analytics.buckets({ ...q, tz });
      const s = scope(caller, q, q.camera);
      const rows = s ? await deps.analytics.eventCounts({ ...s, bucket: q.bucket, tz, label: q.class, eventType: q.type }) : [];
      const index = new Map(buckets.map((b, i) => [b.getTime(), i]));
      const series = new Map<string, { camera_id: string; class: string; counts: number[]; total: number }>();
      for (const r of rows) {
        const key = `${r.camera_id}\u0000${r.label}`;
        const line = series.get(key) ?? { camera_id: r.camera_id, class: r.label, counts: buckets.map(() => 0), total: 0 };
        series.set(key, line);
        const i = index.get(r.bucket.getTime());
        // a local hour repeated when clocks go back is one bucket of the series
        if (i !== undefined) line.counts[i]! += r.count;
        line.total += r.count;
      }
      const lines = [...series.values()];
      return { bucket: q.bucket, timezone: tz, from: q.from, to: q.to, buckets, series: lines, total: lines.reduce((n, l) => n + l.total, 0) };
    },

    async heatmap(caller: Caller, q: { camera: string; from: Date; to: Date; class: string; cols: number; rows: number }): Promise<Heatmap> {
      checkRange(q, MAX_RANGE_DAYS.heatmap);
      if (!callerSeesCamera(caller, q.camera)) throw notFound(`no camera with id '${q.camera}'`);
      const s = { from: q.from, to: q.to, cameraId: q.camera };
      const snapshot = await deps.analytics.newestSnapshot(q.camera, q.to);
      const live = await deps.liveFrame?.(q.camera);
      // boxes are in source-frame pixels: the live frame's size, else the size of a stored picture, else as far as boxes reach
      const frame = (live && { width: live.width, height: live.height }) ?? (snapshot && await pictureSize(q.camera, snapshot.snapshot_path)) ?? await deps.analytics.boxExtent(s);
      const cells = Array.from({ length: q.rows }, () => new Array<number>(q.cols).fill(0));
      if (frame) {
        for (const c of await deps.analytics.footPoints({ ...s, label: q.class, ...frame, cols: q.cols, rows: q.rows })) cells[c.row]![c.col] = c.count;
      }
      const flat = cells.flat();
      return {
        camera_id: q.camera, class: q.class, from: q.from, to: q.to, frame, cols: q.cols, rows: q.rows, cells,
        max: Math.max(0, ...flat), total: flat.reduce((a, b) => a + b, 0),
        snapshot_url: snapshot ? `/api/v1/events/${snapshot.id}/snapshot?boxes=0` : null,
        live_snapshot_url: live ? `/api/v1/cameras/${encodeURIComponent(q.camera)}/snapshot.jpg` : null,
      };
    },

    async alertResponse(caller: Caller, q: { from: Date; to: Date; camera?: string; severity?: string; limit: number }): Promise<AlertResponse> {
      checkRange(q, MAX_RANGE_DAYS.alerts);
      const s = scope(caller, q, q.camera);
      if (!s) return { from: q.from, to: q.to, overall: NO_TIMES, by_severity: [], by_camera: [], items: [], truncated: false };
      const [stats, listed] = await Promise.all([responseTimesOf(s, q.severity), deps.analytics.alertTimings({ ...s, severity: q.severity, limit: q.limit + 1 })]);
      const items = listed.slice(0, q.limit).flatMap((a) => (isSeverity(a.severity) ? [{
        ...a, severity: a.severity, status: a.status as 'new' | 'ack' | 'resolved',
        ack_seconds: secondsBetween(a.acked_at, a.triggered_at), resolve_seconds: secondsBetween(a.resolved_at, a.acked_at),
      }] : []));
      return { from: q.from, to: q.to, ...stats, items, truncated: listed.length > q.limit };
    },

    async daily(caller: Caller, date: string): Promise<DailyReport> {
      const day = await deps.analytics.dayBounds(date, tz);
      const at = now();
      const s = scope(caller, day) ?? { ...day, cameraIds: [] };
      const [counts, hours, statuses, stats, coverage, gaps] = await Promise.all([
        deps.analytics.eventCounts({ ...s, bucket: 'day', tz, eventType: 'detection' }),
        deps.analytics.eventsByHourOfDay({ ...s, tz, eventType: 'detection' }),
        deps.analytics.alertStatusCounts(s),
        responseTimesOf(s),
        deps.analytics.coverage({ ...s, now: at }),
        deps.analytics.gaps({ ...s, now: at }),
      ]);
      const byCameraClass = new Map<string, { camera_id: string; class: string; count: number }>();
      for (const r of counts) {
        const key = `${r.camera_id}\u0000${r.label}`;
        const row = byCameraClass.get(key) ?? { camera_id: r.camera_id, class: r.label, count: 0 };
        row.count += r.count;
        byCameraClass.set(key, row);
      }
      const perHour = Array.from({ length: 24 }, (_, hour) => ({ hour, count: hours.find((h) => h.hour === hour)?.count ?? 0 }));
      const severities = SEVERITIES.map((severity) => {
        const of = statuses.filter((r) => r.severity === severity);
        const n = (status: string) => of.filter((r) => r.status === status).reduce((a, r) => a + r.count, 0);
        return { severity, total: of.reduce((a, r) => a + r.count, 0), new: n('new'), ack: n('ack'), resolved: n('resolved') };
      }).filter((r) => r.total > 0);
      // the part of the day that has passed: today's coverage is of the hours so far
      const elapsed = (Math.min(at.getTime(), day.to.getTime()) - day.from.getTime()) / 1000;
      const cameras = deps.cameras().filter((c) => callerSeesCamera(caller, c.id)).map((c) => {
        const recorded = coverage.find((r) => r.camera_id === c.id)?.recorded_seconds ?? 0;
        return {
          camera_id: c.id, name: c.name, recorded_seconds: recorded,
          coverage: elapsed > 0 ? Math.min(1, recorded / elapsed) : null,
          gaps: gaps.filter((g) => g.camera_id === c.id).map((g) => ({ cause: g.cause, count: g.gaps, seconds: g.seconds })),
        };
      });
      return {
        date, timezone: tz, from: day.from, to: day.to, generated_at: at,
        events: { total: counts.reduce((a, r) => a + r.count, 0), by_camera_class: [...byCameraClass.values()] },
        hours: perHour,
        busiest_hours: perHour.filter((h) => h.count > 0).sort((a, b) => b.count - a.count || a.hour - b.hour).slice(0, BUSIEST).map((h) => h.hour),
        alerts: {
          total: statuses.reduce((a, r) => a + r.count, 0),
          false_positives: statuses.filter((r) => r.false_positive).reduce((a, r) => a + r.count, 0),
          by_severity: severities,
        },
        response: stats.overall,
        cameras,
      };
    },
  };
}
