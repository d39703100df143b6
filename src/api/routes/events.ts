import type { FastifyInstance } from 'fastify';
import { eventService, type EventServiceDeps } from '../../events/service.ts';
import { eventPage, eventParams, eventQuery, eventSchema, snapshotQuery } from '../contract/events.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, checkTimeOrder } from '../route.ts';

export type EventRouteDeps = Omit<EventServiceDeps, 'events'> & { repos: Pick<EventServiceDeps, 'events'> };

export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  const events = eventService({ ...deps, events: deps.repos.events });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events', permission: 'events:read', tag: 'events', summary: 'Query events (filtered, newest first, cursor-paginated)',
    query: eventQuery, response: eventPage,
    handler: async ({ query, actor }) => {
      checkTimeOrder(query);
      return events.list(actor, query);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id', permission: 'events:read', tag: 'events', summary: 'Event details with snapshot link',
    params: eventParams, query: noQuery, response: eventSchema,
    handler: async ({ params, actor }) => events.get(actor, params.id),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/snapshot', permission: 'events:read', tag: 'events', produces: 'image/jpeg',
    summary: 'Snapshot (JPEG) of the event: a rule event\'s frame that fired, else the track\'s best view; with the event\'s boxes drawn unless boxes=0',
    params: eventParams, query: snapshotQuery,
    handler: async ({ params, query, actor, reply }) => {
      const jpeg = await events.snapshot(actor, params.id, query.boxes === '1');
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/events/:id/clip', permission: 'events:read', tag: 'events', audited: true, summary: 'Clip (MP4) of the event with its pre- and post-roll, cut from the recording on first download', produces: 'video/mp4',
    params: eventParams, query: noQuery,
    handler: async ({ params, actor, reply }) => {
      const clip = await events.clip(actor, params.id);
      return reply.header('content-type', 'video/mp4').header('content-length', clip.size).header('cache-control', 'private, max-age=60').send(clip.body);
    },
  });
}
