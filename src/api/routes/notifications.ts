import type { FastifyInstance } from 'fastify';
import { notificationService } from '../../notify/service.ts';
import type { Repositories } from '../../store/repositories/index.ts';
import { dlqPage, dlqParams, dlqQuery, pendingSchema, retryResponse } from '../contract/notifications.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute } from '../route.ts';

export interface NotificationRouteDeps {
  repos: Pick<Repositories, 'notifications'>;
}

/** Dead letters with a retry action, and the pending count for the dashboard. */
export function notificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  const notifications = notificationService(deps.repos.notifications);

  addRoute(app, {
    method: 'GET', url: '/api/v1/notifications/dlq', permission: 'notifications:manage', tag: 'notifications', summary: 'Dead-lettered notifications (newest first, paginated)',
    query: dlqQuery, response: dlqPage,
    handler: async ({ query, actor }) => notifications.listDlq(actor, query),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/notifications/dlq/:id/retry', permission: 'notifications:manage', tag: 'notifications', summary: 'Re-send a dead-lettered notification now (with a fresh retry budget), recorded as re-sent by the caller',
    params: dlqParams, query: noQuery, response: retryResponse, status: 202, errors: [409],
    handler: async ({ params, actor, reply }) => reply.code(202).send(await notifications.retry(actor, params.id)),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/notifications/pending', permission: 'notifications:manage', tag: 'notifications', summary: 'Notifications waiting to be sent, failing channels, rate-limited in the last hour',
    query: noQuery, response: pendingSchema,
    handler: async () => deps.repos.notifications.summary(new Date()),
  });
}
