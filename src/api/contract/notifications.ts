import { z } from 'zod';
import { id, page, pageQuery, text, timeOut } from './types.ts';

export const DLQ_STATUSES = ['open', 'retrying', 'delivered'] as const;

export const dlqQuery = z.object({
  status: z.enum(DLQ_STATUSES).optional().describe('open: not re-sent; retrying: re-queued; delivered: re-sent successfully'),
  ...pageQuery,
}).strict();

export const dlqParams = z.object({ id: id('dead letter id') }).strict();

export const dlqSchema = z.object({
  id: z.number().int(),
  delivery_id: z.number().int(),
  alert_id: z.number().int(),
  kind: z.string(),
  recipient: z.string(),
  channel: z.string(),
  target: z.string(),
  error: z.string(),
  retryable: z.boolean(),
  attempts: z.number().int(),
  status: z.enum(DLQ_STATUSES),
  created_at: timeOut,
  retried_at: timeOut.nullable(),
  retried_by: z.string().nullable().describe('who re-sent it: `user:<name>` or `api_key:<name>`'),
});

export const dlqPage = page(dlqSchema);
export const retryResponse = z.object({ id: z.number().int(), delivery_id: z.number().int(), status: z.literal('retrying') });

export const pendingSchema = z.object({
  pending: z.number().int(),
  dead: z.number().int(),
  failing_channels: z.array(z.string()),
  suppressed_last_hour: z.number().int(),
});

// unpadded base64url of n bytes is ceil(4n/3) characters
const base64url = (bytes: number, what: string) => z.string().max(200).regex(/^[A-Za-z0-9_-]+=*$/, `${what} must be base64url`)
  .refine((s) => s.replace(/=+$/, '').length === Math.ceil((bytes * 4) / 3), `${what} must be ${bytes} bytes`);

/** PushSubscription.toJSON() of the browser */
export const subscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }).max(2000).pipe(text(2000)).describe('push service URL of this browser (https)'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: base64url(65, 'keys.p256dh').describe('the browser\'s P-256 public key (base64url)'),
    auth: base64url(16, 'keys.auth').describe('the browser\'s auth secret (base64url)'),
  }),
});

export const subscribeBody = z.object({
  user: text(32).min(1).describe('recipient name in notifications.recipients'),
  subscription: subscriptionSchema,
}).strict();

export const unsubscribeBody = z.object({ endpoint: text(2000).min(1).describe('endpoint of the subscription to remove') }).strict();

export const vapidKeySchema = z.object({ public_key: z.string() });
export const subscriptionResponse = z.object({ id: z.number().int(), user: z.string(), endpoint: z.string(), created_at: timeOut, updated_at: timeOut });
