import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DlqRow, Repositories } from '../../store/repositories/index.ts';
import type { Actor } from '../contract/actor.ts';
import { addRoute, HttpError, notFound } from '../route.ts';

export interface NotificationRouteDeps {
  repos: Repositories;
}

const dlqQuery = z.object({
  status: z.enum(['open', 'retrying', 'delivered']).optional().describe('open: not re-sent; retrying: re-queued; delivered: re-sent successfully'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.coerce.number().int().positive().optional().describe('next_cursor of the previous page'),
}).strict();

const dlqId = z.object({ id: z.coerce.number().int().positive().describe('dead letter id') }).strict();

/**
 * A delivery error as a non-admin sees it. Raw errors name hosts, ports and connection failures
 * (ECONNREFUSED 10.0.0.5:5432): shown to anyone who can register a target, the list would be a
 * port scanner. Only the HTTP status a service answered is kept; admins see the whole error.
 */
export function genericDeliveryError(channel: string, error: string): string {
  const status = /\bHTTP (\d{3})\b/.exec(error)?.[1];
  return status ? `the ${channel} service answered HTTP ${status}` : `the ${channel} channel could not deliver (an administrator sees the cause)`;
}

function publicDlq(q: DlqRow, actor: Actor) {
  return {
    id: q.id, delivery_id: q.delivery_id, alert_id: q.alert_id, kind: q.kind, recipient: q.recipient, channel: q.channel, target: q.target,
    error: actor.role === 'admin' ? q.error : genericDeliveryError(q.channel, q.error),
    retryable: q.retryable, attempts: q.attempts, status: q.status, created_at: q.created_at, retried_at: q.retried_at,
  };
}

/** Dead letters with a retry action, and the pending count for the dashboard (issue 5 §3, seed §8.5). */
export function notificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/notifications/dlq', permission: 'notifications:manage', tag: 'notifications', summary: 'Dead-lettered notifications (newest first, paginated)',
    query: dlqQuery,
    handler: async ({ query, actor }) => {
      const rows = await deps.repos.notifications.listDlq({ status: query.status, before: query.cursor, limit: query.limit + 1 });
      const items = rows.slice(0, query.limit);
      return { items: items.map((q) => publicDlq(q, actor)), next_cursor: rows.length > query.limit ? String(items.at(-1)!.id) : null };
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/notifications/dlq/:id/retry', permission: 'notifications:manage', tag: 'notifications', summary: 'Re-send a dead-lettered notification now (with a fresh retry budget)',
    params: dlqId, query: z.object({}).strict(),
    handler: async ({ params, reply }) => {
      const r = await deps.repos.notifications.requeueDlq(params.id, new Date());
      if (r.ok) return reply.code(202).send({ id: params.id, delivery_id: r.delivery.id, status: 'retrying' });
      if (r.reason === 'not_found') throw notFound(`no dead letter with id ${params.id}`);
      throw new HttpError(409, 'conflict', r.status === 'delivered' ? `dead letter ${params.id} was already delivered` : `dead letter ${params.id} is already being retried`);
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/notifications/pending', permission: 'notifications:manage', tag: 'notifications', summary: 'Notifications waiting to be sent, failing channels, rate-limited in the last hour',
    query: z.object({}).strict(),
    handler: async () => deps.repos.notifications.summary(new Date()),
  });
}
