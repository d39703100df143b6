/**
 * Web Push subscriptions (issue 5 §3): a browser fetches the VAPID public key, subscribes with
 * its push service and registers the subscription for a user (a notifications recipient with
 * the push channel); alerts for that user are then pushed to it (src/notify/channels/push.ts).
 */
import type { FastifyInstance } from 'fastify';
import { pushEndpointProblem } from '../../notify/channels/push-endpoint.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { subscribeBody, subscriptionResponse, unsubscribeBody, vapidKeySchema } from '../contract/notifications.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, badRequest, HttpError, notFound } from '../route.ts';

export interface PushRouteDeps {
  repos: Repositories;
  /** absent when notifications.push is not configured */
  push?: { publicKey: string; /** recipients with the push channel */ users: string[]; /** notifications.push.allowed_hosts */ allowedHosts: readonly string[] };
}

const notConfigured = (): HttpError => new HttpError(404, 'not_configured', 'web push is not configured (notifications.push)');

export function pushRoutes(app: FastifyInstance, deps: PushRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/push/vapid-public-key', permission: 'notifications:subscribe', tag: 'notifications', summary: 'VAPID public key (applicationServerKey for PushManager.subscribe)',
    query: noQuery, response: vapidKeySchema, errors: [404],
    handler: async () => {
      if (!deps.push) throw notConfigured();
      return { public_key: deps.push.publicKey };
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/push/subscriptions', permission: 'notifications:subscribe', tag: 'notifications', summary: 'Register a browser push subscription for a user (body {user, subscription})',
    query: noQuery, body: subscribeBody, response: subscriptionResponse, status: 201, errors: [404],
    handler: async ({ body, req, reply }) => {
      if (!deps.push) throw notConfigured();
      if (!deps.push.users.includes(body.user)) throw badRequest(`body parameter 'user': no recipient "${body.user}" with the push channel in notifications.recipients`);
      const refused = pushEndpointProblem(body.subscription.endpoint, deps.push.allowedHosts);
      if (refused) throw badRequest(`body field 'subscription.endpoint': ${refused}`);
      const row = await deps.repos.pushSubscriptions.upsert({
        user: body.user, endpoint: body.subscription.endpoint, keys: body.subscription.keys, userAgent: req.headers['user-agent']?.slice(0, 300),
      }, new Date());
      return reply.code(201).send({ id: row.id, user: row.user_name, endpoint: row.endpoint, created_at: row.created_at, updated_at: row.updated_at });
    },
  });

  addRoute(app, {
    method: 'DELETE', url: '/api/v1/push/subscriptions', permission: 'notifications:subscribe', tag: 'notifications', summary: 'Remove a browser push subscription (body {endpoint})',
    query: noQuery, body: unsubscribeBody, status: 204, errors: [404],
    handler: async ({ body, reply }) => {
      if (!(await deps.repos.pushSubscriptions.removeEndpoint(body.endpoint))) throw notFound('no push subscription with this endpoint');
      return reply.code(204).send();
    },
  });
}
