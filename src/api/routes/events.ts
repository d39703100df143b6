import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Objects } from '../../objects/port.ts';
import { NotFoundError } from '../../objects/port.ts';
import type { EventRow, Repositories } from '../../store/repositories/types.ts';
import { addRoute, checkTimeOrder, notFound, withCursor } from '../route.ts';

export interface EventRouteDeps {
  repos: Repositories;
  objects: Objects;
}

export const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const eventQuery = z.object({
  camera: z.string().max(64).optional().describe('camera id'),
  class: z.string().max(32).optional().describe('object class, e.g. person'),
  from: isoTime.optional().describe('events starting at or after this time (ISO 8601)'),
  to: isoTime.optional().describe('events starting before this time (ISO 8601)'),
  late: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only events found late, by catch-up from the recording; false: only live ones'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
}).strict();

const eventId = z.object({ id: z.coerce.number().int().positive().describe('event id') }).strict();

function publicEvent(e: EventRow) {
  return {
    id: e.id,
    camera_id: e.camera_id,
    event_type: e.event_type,
    class: e.label,
    confidence: e.confidence,
    bbox: e.bounding_box,
    start_time: e.start_time,
    end_time: e.end_time,
    severity: e.severity,
    snapshot_url: e.snapshot_path ? `/api/v1/events/${e.id}/snapshot` : null,
    clip_url: e.clip_path ? `/api/v1/events/${e.id}/clip` : null,
    metadata: e.metadata,
    // found later from the recording (live analysis had skipped those frames); start_time is still the capture time
    late: e.late,
  };
}

export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/events', tag: 'events', summary: 'Query events (filtered, newest first, cursor-paginated)',
    query: eventQuery,
    handler: async ({ query }) => {
      checkTimeOrder(query);
      const page = await withCursor(() => deps.repos.events.list({ cameraId: query.camera, label: query.class, from: query.from, to: query.to, late: query.late, limit: query.limit, cursor: query.cursor }));
      return { items: page.items.map(publicEvent), next_cursor: page.nextCursor };
    },
  });

  const load = async (id: number): Promise<EventRow> => {
    const e = await deps.repos.events.get(id);
    if (!e) throw notFound(`no event with id ${id}`);
    return e;
  };

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id', tag: 'events', summary: 'Event details with snapshot link',
    params: eventId, query: z.object({}).strict(),
    handler: async ({ params }) => publicEvent(await load(params.id)),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/snapshot', tag: 'events', summary: 'Best snapshot (JPEG) of the event', produces: 'image/jpeg',
    params: eventId, query: z.object({}).strict(),
    handler: async ({ params, reply }) => {
      const e = await load(params.id);
      if (!e.snapshot_path) throw notFound(`event ${e.id} has no snapshot`);
      try {
        const jpeg = await deps.objects.get('snapshots', e.snapshot_path);
        return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
      } catch (err) {
        if (err instanceof NotFoundError) throw notFound(`snapshot of event ${e.id} is no longer stored`);
        throw err;
      }
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/clip', tag: 'events', summary: 'Clip (MP4) of the event with its pre- and post-roll', produces: 'video/mp4',
    params: eventId, query: z.object({}).strict(),
    handler: async ({ params, reply }) => {
      const e = await load(params.id);
      if (!e.clip_path) throw notFound(`event ${e.id} has no clip yet (clips are cut once the post-roll is recorded)`);
      const info = await deps.objects.head('event-clips', e.clip_path);
      if (!info) throw notFound(`clip of event ${e.id} is no longer stored`);
      return reply.header('content-type', 'video/mp4').header('content-length', info.size).header('cache-control', 'private, max-age=60')
        .send(await deps.objects.stream('event-clips', e.clip_path));
    },
  });
}
