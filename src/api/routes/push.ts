/**
 * Web Push subscriptions (issue 5 §3): a browser fetches the VAPID public key, subscribes with
 * its push service and registers the subscription for a user (a notifications recipient with
 * the push channel); alerts for that user are then pushed to it (src/notify/channels/push.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pushEndpointProblem } from '../../notify/channels/push-endpoint.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { addRoute, badRequest, HttpError, notFound, parseInput } from '../route.ts';

export interface PushRouteDeps {
  repos: Repositories;
  /** absent when notifications.push is not configured */
  push?: { publicKey: string; /** recipients with the push channel */ users: string[]; /** notifications.push.allowed_hosts */ allowedHosts: readonly string[] };
}

const base64url = (bytes: number, what: string) => z.string().regex(/^[A-Za-z0-9_-]+=*$/, `${what} must be base64url`)
  .refine((s) => Buffer.from(s, 'base64url').length === bytes, `${what} must be ${bytes} bytes`);

/** PushSubscription.toJSON() of the browser */
const subscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }).max(2000).describe('push service URL of this browser (https)'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: base64url(65, 'keys.p256dh').describe('the browser\'s P-256 public key (base64url)'),
    auth: base64url(16, 'keys.auth').describe('the browser\'s auth secret (base64url)'),
  }),
});

const subscribeBody = z.object({
  user: z.string().min(1).max(32).describe('recipient name in notifications.recipients'),
  subscription: subscriptionSchema,
}).strict();

const unsubscribeBody = z.object({ endpoint: z.string().min(1).max(2000).describe('endpoint of the subscription to remove') }).strict();

const notConfigured = (): HttpError => new HttpError(404, 'not_configured', 'web push is not configured (notifications.push)');

export function pushRoutes(app: FastifyInstance, deps: PushRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/push/vapid-public-key', permission: 'notifications:subscribe', tag: 'notifications', summary: 'VAPID public key (applicationServerKey for PushManager.subscribe)',
    query: z.object({}).strict(),
    handler: async () => {
      if (!deps.push) throw notConfigured();
      return { public_key: deps.push.publicKey };
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/push/subscriptions', permission: 'notifications:subscribe', tag: 'notifications', summary: 'Register a browser push subscription for a user (body {user, subscription})',
    query: z.object({}).strict(),
    handler: async ({ req, reply }) => {
      if (!deps.push) throw notConfigured();
      const body = parseInput(subscribeBody, req.body, 'body');
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
    query: z.object({}).strict(),
    handler: async ({ req, reply }) => {
      const body = parseInput(unsubscribeBody, req.body, 'body');
      if (!(await deps.repos.pushSubscriptions.removeEndpoint(body.endpoint))) throw notFound('no push subscription with this endpoint');
      return reply.code(204).send();
    },
  });
}
