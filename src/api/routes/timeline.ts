import type { FastifyInstance } from 'fastify';
import type { CameraSource } from '../../config/live-cameras.ts';
import { cameraFor } from '../../core/actor.ts';
import { siteDate, siteDay } from '../../core/site-day.ts';
import { buildTimeline } from '../../media/vod/timeline.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { cameraParams, MAX_DAY_MARKS, timelineDayQuery, timelineDaySchema } from '../contract/recordings.ts';
import { addRoute } from '../route.ts';

export interface TimelineRouteDeps {
  cameras: CameraSource;
  repos: Pick<Repositories, 'segments' | 'events' | 'alerts'>;
}

const byTime = <T extends { time: Date }>(a: T, b: T) => a.time.getTime() - b.time.getTime();

/**
 * One camera's day at a glance, as an operator looks back at it: what was recorded, why the rest
 * was not, and where the events and alerts are — one request for the whole timeline bar.
 */
export function timelineRoutes(app: FastifyInstance, deps: TimelineRouteDeps): void {

  addRoute(app, {
    method: 'GET', url: '/api/v1/cameras/:id/timeline', permission: 'recordings:read', tag: 'recordings',
    summary: 'A day of one camera on its site\'s clock: recording coverage, gaps with their cause, events and alerts as marks',
    params: cameraParams, query: timelineDayQuery, response: timelineDaySchema,
    handler: async ({ params, query, actor }) => {
      const cam = cameraFor(actor, deps.cameras, params.id);
      const timezone = cam.timezone ?? 'UTC';
      const now = new Date();
      const date = query.date ?? siteDate(now, timezone);
      const { start: from, end: to } = siteDay(date, timezone);
      const [segments, gaps, stats, events, alerts] = await Promise.all([
        deps.repos.segments.list(cam.id, from, to), deps.repos.segments.gaps(cam.id, from, to), deps.repos.segments.stats(cam.id),
        deps.repos.events.list({ cameraIds: [cam.id], from, to, limit: MAX_DAY_MARKS }),
        deps.repos.alerts.list({ cameraIds: [cam.id], from, to, limit: MAX_DAY_MARKS }),
      ]);
      return {
        camera_id: cam.id, date, timezone, from, to,
        ...buildTimeline(segments, gaps, from, to, now, stats.first),
        events: events.items.map((e) => ({ id: e.id, time: e.start_time, end: e.end_time, class: e.label, event_type: e.event_type, severity: e.severity })).sort(byTime),
        alerts: alerts.items.map((a) => ({ id: a.id, event_id: a.event_id, time: a.triggered_at, rule_name: a.rule_name, rule_type: a.rule_type, severity: a.severity, status: a.status, title: a.title })).sort(byTime),
        marks_truncated: events.nextCursor !== null || alerts.nextCursor !== null,
      };
    },
  });
}
