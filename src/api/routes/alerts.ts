import type { FastifyInstance } from 'fastify';
import { alertService, type AlertServiceDeps } from '../../alerts/service.ts';
import { alertActionBody, alertDetailSchema, alertPage, alertParams, alertQuery, alertSchema, falsePositiveResponse } from '../contract/alerts.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, checkTimeOrder } from '../route.ts';

export type AlertRouteDeps = Omit<AlertServiceDeps, 'alerts' | 'events'> & { repos: Pick<AlertServiceDeps, 'alerts' | 'events'> };

export function alertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const alerts = alertService({ alerts: deps.repos.alerts, events: deps.repos.events, objects: deps.objects, log: deps.log });

  addRoute(app, {
    method: 'GET', url: '/api/v1/alerts', permission: 'alerts:read', tag: 'alerts', summary: 'Query alerts (filtered, newest first, cursor-paginated)',
    query: alertQuery, response: alertPage,
    handler: async ({ query, actor }) => {
      checkTimeOrder(query);
      return alerts.list(actor, query);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/alerts/:id', permission: 'alerts:read', tag: 'alerts', summary: 'One alert with its lifecycle and history: every change with who, when and note',
    params: alertParams, query: noQuery, response: alertDetailSchema,
    handler: async ({ params, actor }) => alerts.get(actor, params.id),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/ack', permission: 'alerts:act', tag: 'alerts', summary: 'Acknowledge a new alert as the caller (body {"note"?}); 409 unless new',
    params: alertParams, query: noQuery, body: alertActionBody, response: alertSchema, errors: [409],
    handler: async ({ params, body, actor }) => alerts.ack(actor, params.id, body.note),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/resolve', permission: 'alerts:act', tag: 'alerts', summary: 'Resolve a new or acknowledged alert as the caller (body {"note"?}); 409 when resolved',
    params: alertParams, query: noQuery, body: alertActionBody, response: alertSchema, errors: [409],
    handler: async ({ params, body, actor }) => alerts.resolve(actor, params.id, body.note),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/false-positive', permission: 'alerts:act', tag: 'alerts',
    summary: 'Resolve as a false positive as the caller (body {"note"?}): flags the event and writes training-data/false-positives/<camera>/<alert>.json; 409 when resolved',
    params: alertParams, query: noQuery, body: alertActionBody, response: falsePositiveResponse, errors: [409],
    handler: async ({ params, body, actor }) => alerts.falsePositive(actor, params.id, body.note),
  });
}
