import { createHmac } from 'node:crypto';
import { channelRequest } from './http.ts';
import { ChannelError, expectTarget, type Channel, type Notification, type Target } from './types.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** HMAC key; never logged or put in an error */
  secret: string;
  timeoutMs: number;
}

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';

/** The JSON a webhook receives: the alert message, plus when it was sent and links. */
export interface WebhookBody {
  type: 'vigil.alert';
  /** unix seconds, equal to the X-Vigil-Timestamp header; inside the signed body so it cannot be altered */
  sent_at: number;
  subject: string;
  alert: Notification['alert'];
  links: { event: string };
}

/** `sha256=<hex HMAC-SHA256 of the raw body>` */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Webhook channel: POSTs a JSON WebhookBody to the endpoint with
 *   X-Vigil-Signature: sha256=<hex HMAC-SHA256 of the raw request body, key = the endpoint secret>
 *   X-Vigil-Timestamp: <unix seconds when sent> (also `sent_at` in the body)
 * A receiver verifies the signature over the exact bytes it received (constant-time compare),
 * then rejects a `sent_at` older than a few minutes (a replayed request) and de-duplicates on
 * (alert.alert_id, alert.kind): delivery is at-least-once.
 * 2xx = delivered; 408/429/5xx, a timeout or a refused connection are retryable; other 4xx not.
 */
export function createWebhookChannel(endpoints: WebhookEndpoint[], now: () => Date = () => new Date()): Channel {
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  return {
    kind: 'webhook',
    async send(n: Notification, target: Target): Promise<void> {
      const { endpoint: id } = expectTarget('webhook', target);
      const endpoint = byId.get(id);
      if (!endpoint) throw new ChannelError('webhook', `no webhook endpoint "${id}" is configured`, false);
      const sentAt = Math.floor(now().getTime() / 1000);
      const body: WebhookBody = { type: 'vigil.alert', sent_at: sentAt, subject: n.subject, alert: n.alert, links: { event: n.alert.event_url } };
      const raw = JSON.stringify(body);
      await channelRequest('webhook', `endpoint "${id}" (${new URL(endpoint.url).host})`, endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json', 'user-agent': 'Vigil-Webhook/1',
          [SIGNATURE_HEADER]: signBody(raw, endpoint.secret), [TIMESTAMP_HEADER]: String(sentAt),
        },
        body: raw,
      }, endpoint.timeoutMs);
    },
    async close(): Promise<void> {},
  };
}
