import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../core/log.ts';
import { NoFootageError, type ClipMaterialiser } from '../../media/clips/materialise.ts';
import type { Objects } from '../../objects/port.ts';
import { NotFoundError } from '../../objects/port.ts';
import type { EventRow, Repositories } from '../../store/repositories/types.ts';
import { drawBoxes, type LabelledBox } from '../../vision/draw-boxes.ts';
import { addRoute, checkTimeOrder, notFound, withCursor } from '../route.ts';

export interface EventRouteDeps {
  repos: Repositories;
  objects: Objects;
  log: Logger;
  /** cuts clips from the recording on demand; without it only clips already cut are served */
  clips?: ClipMaterialiser;
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

const snapshotQuery = z.object({
  boxes: z.enum(['1', '0']).default('1').describe('1: the event\'s objects framed and labelled with class and score; 0: the picture as taken'),
}).strict();

const storedBoxes = z.array(z.object({ class: z.string(), confidence: z.number(), bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]) }));

/** The boxes to draw on an event's snapshot: a rule event's objects in the frame that fired, else the event's own box. */
function boxesOf(e: EventRow): LabelledBox[] {
  const stored = storedBoxes.safeParse(e.metadata.boxes);
  if (stored.success && stored.data.length) return stored.data;
  return e.bounding_box ? [{ bbox: e.bounding_box, class: e.label, confidence: e.confidence }] : [];
}

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
    method: 'GET', url: '/api/v1/events', permission: 'events:read', tag: 'events', summary: 'Query events (filtered, newest first, cursor-paginated)',
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
    method: 'GET', url: '/api/v1/events/:id', permission: 'events:read', tag: 'events', summary: 'Event details with snapshot link',
    params: eventId, query: z.object({}).strict(),
    handler: async ({ params }) => publicEvent(await load(params.id)),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/snapshot', permission: 'events:read', tag: 'events', produces: 'image/jpeg',
    summary: 'Snapshot (JPEG) of the event: a rule event\'s frame that fired, else the track\'s best view; with the event\'s boxes drawn unless boxes=0',
    params: eventId, query: snapshotQuery,
    handler: async ({ params, query, reply }) => {
      const e = await load(params.id);
      if (!e.snapshot_path) throw notFound(`event ${e.id} has no snapshot`);
      let jpeg: Buffer;
      try {
        jpeg = await deps.objects.get('snapshots', e.snapshot_path);
      } catch (err) {
        if (err instanceof NotFoundError) throw notFound(`snapshot of event ${e.id} is no longer stored`);
        throw err;
      }
      if (query.boxes === '1') {
        // a picture that cannot be drawn on is still evidence: sent as taken
        jpeg = await drawBoxes(jpeg, boxesOf(e)).catch((err: unknown) => {
          deps.log.warn({ camera_id: e.camera_id, event_id: e.id, cause: (err as Error).message }, 'boxes not drawn on a snapshot; sent without them');
          return jpeg;
        });
      }
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/clip', permission: 'events:read', tag: 'events', audited: true, summary: 'Clip (MP4) of the event with its pre- and post-roll, cut from the recording on first download', produces: 'video/mp4',
    params: eventId, query: z.object({}).strict(),
    handler: async ({ params, reply }) => {
      const e = await load(params.id);
      if (!e.clip_path) throw notFound(`event ${e.id} has no clip yet (a clip is available once the post-roll is recorded)`);
      const event = { ...e, clip_path: e.clip_path };
      try {
        const key = deps.clips ? await deps.clips.materialise(event) : e.clip_path;
        const info = await deps.objects.head('event-clips', key);
        if (!info) throw new NoFootageError('not cached');
        return reply.header('content-type', 'video/mp4').header('content-length', info.size).header('cache-control', 'private, max-age=60')
          .send(await deps.objects.stream('event-clips', key));
      } catch (err) {
        if (err instanceof NoFootageError || err instanceof NotFoundError) throw notFound(`the footage of event ${e.id} is no longer stored`);
        throw err;
      }
    },
  });
}
