import type { FastifyInstance, FastifyRequest } from 'fastify';
import { dailyReportCsv } from '../../analytics/reports/daily-csv.ts';
import { dailyReportPdf } from '../../analytics/reports/daily-pdf.ts';
import { reportService, type DailyReport } from '../../analytics/reports/service.ts';
import type { CameraSource } from '../../config/live-cameras.ts';
import type { Logger } from '../../core/log.ts';
import { cameraStill } from '../../media/live/camera-still.ts';
import type { LiveFeeds } from '../../media/live/feeds.ts';
import type { LatestFrames } from '../../media/live/latest-frames.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import { analyticsRepo } from '../../store/repositories/analytics.ts';
import {
  alertResponseQuery, alertResponseSchema, dailyReportQuery, dailyReportSchema, eventCountsQuery, eventCountsSchema, heatmapQuery, heatmapSchema, REPORT_FORMATS,
} from '../contract/analytics.ts';
import { addRoute } from '../route.ts';

export interface AnalyticsRouteDeps {
  store: Store;
  objects: Objects;
  log: Logger;
  cameras: CameraSource;
  /** the site's IANA time zone: days and hours of analytics and reports are its (default UTC) */
  timezone?: string;
  /** cameras' newest live frames, where this process follows them */
  latestFrames?: LatestFrames;
  /** cameras' live feeds, where this process has them: a still of a camera nobody analyses */
  liveFeeds?: LiveFeeds;
}

type ReportFormat = (typeof REPORT_FORMATS)[number];
const MEDIA_TYPES: Record<Exclude<ReportFormat, 'json'>, string> = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' };

/** format= wins; else the first of CSV or PDF the Accept header names; else JSON */
function reportFormat(asked: ReportFormat | undefined, req: FastifyRequest): ReportFormat {
  if (asked) return asked;
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('application/pdf')) return 'pdf';
  return 'json';
}

export function analyticsRoutes(app: FastifyInstance, deps: AnalyticsRouteDeps): void {
  const reports = reportService({
    analytics: analyticsRepo(deps.store), objects: deps.objects, log: deps.log, timezone: deps.timezone ?? 'UTC',
    cameras: () => deps.cameras.list().map((c) => ({ id: c.id, name: c.name })),
    liveFrame: cameraStill(deps),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/analytics/events', permission: 'events:read', tag: 'analytics',
    summary: 'Events per hour or day (site time) by camera and class over a range; only the caller\'s cameras',
    query: eventCountsQuery, response: eventCountsSchema,
    handler: async ({ query, actor }) => reports.eventCounts(actor, query),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/analytics/heatmap', permission: 'events:read', tag: 'analytics',
    summary: 'Where objects of a class (default person) stood in a camera\'s frame: the foot point of each tracked object on a grid, with a picture to draw it over',
    query: heatmapQuery, response: heatmapSchema,
    handler: async ({ query, actor }) => reports.heatmap(actor, query),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/analytics/alert-response', permission: 'alerts:read', tag: 'analytics',
    summary: 'Alert response times (triggered → acknowledged → resolved: median, 90th percentile, count) overall, per severity and per camera, and the alerts',
    query: alertResponseQuery, response: alertResponseSchema,
    handler: async ({ query, actor }) => reports.alertResponse(actor, query),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/reports/daily', permission: 'events:read', tag: 'analytics',
    summary: 'The daily activity report of a site-local day: events per camera and class, busiest hours, alerts per severity and status, response times, recording coverage; JSON, or a CSV or PDF download (format= or Accept)',
    query: dailyReportQuery, response: dailyReportSchema, alsoProduces: Object.values(MEDIA_TYPES),
    handler: async ({ query, actor, req, reply }) => {
      const report = await reports.daily(actor, query.date);
      const format = reportFormat(query.format, req);
      if (format === 'json') return report;
      const body = format === 'csv' ? dailyReportCsv(report) : await dailyReportPdf(report);
      // the download is the answer; its JSON twin is what the schema documents
      return reply.header('content-type', MEDIA_TYPES[format]).header('content-disposition', `attachment; filename="vigil-daily-report-${query.date}.${format}"`)
        .header('cache-control', 'private, no-store').send(body) as unknown as DailyReport;
    },
  });
}
