import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { Logger } from '../../core/log.ts';
import type { PushSubscriptionRepo, PushSubscriptionRow } from '../../store/repositories/push-subscriptions.ts';
import { hostOf, isRetryableStatus } from './http.ts';
import { pushEndpointProblem } from './push-endpoint.ts';
import { ChannelError, expectTarget, type Channel, type Notification, type Target } from './types.ts';

export interface PushOptions {
  /** VAPID subject: mailto: or https: URL */
  subject: string;
  publicKey: string;
  /** never logged or put in an error */
  privateKey: string;
  subscriptions: PushSubscriptionRepo;
  timeoutMs: number;
  log: Logger;
  /** how long the push service keeps an undelivered message (default 6 h) */
  ttlSeconds?: number;
  /** TLS agent for the push-service requests (a private CA; tests) */
  agent?: Agent;
  /** push-service hosts endpoints may name (subscriptions stored before the check existed are skipped); absent: any (tests) */
  allowedHosts?: readonly string[];
}

/** What the service worker receives (JSON, encrypted by web-push) and shows as a notification. */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  /** same tag: a re-sent alert replaces the notification on the device */
  tag: string;
  alert_id: number;
  kind: Notification['alert']['kind'];
  severity: Notification['alert']['severity'];
  camera_id: string;
}

/** A VAPID key pair for notifications.push (`vigil vapid-keys`). */
export const generateVapidKeys = (): { publicKey: string; privateKey: string } => webpush.generateVAPIDKeys();

/**
 * Web Push (VAPID, aes128gcm via `web-push`) to every stored subscription of the target user.
 * Delivered when at least one browser accepted it. A 404/410 from the push service means the
 * browser unsubscribed: the subscription is deleted. Bad VAPID keys fail at creation.
 */
export function createPushChannel(o: PushOptions): Channel {
  // validates subject and keys now (throws naming which is malformed, never the key itself)
  webpush.getVapidHeaders('https://push.invalid', o.subject, o.publicKey, o.privateKey, 'aes128gcm');
  const log = o.log.child({ channel: 'push' });
  const options = {
    vapidDetails: { subject: o.subject, publicKey: o.publicKey, privateKey: o.privateKey },
    TTL: o.ttlSeconds ?? 6 * 3600, timeout: o.timeoutMs, ...(o.agent && { agent: o.agent }),
  };

  async function sendOne(sub: PushSubscriptionRow, payload: string, urgency: 'high' | 'normal'): Promise<ChannelError | undefined> {
    // the endpoint's path is a capability: only its host goes into messages
    const where = `push service ${hostOf(sub.endpoint) ?? 'with an invalid endpoint URL'}`;
    const refused = o.allowedHosts && pushEndpointProblem(sub.endpoint, o.allowedHosts);
    if (refused) return new ChannelError('push', `subscription ${sub.id} not sent: ${refused}`, false);
    try {
      await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, { ...options, urgency });
      return undefined;
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status !== 'number') return new ChannelError('push', `${where} unreachable: ${(err as Error).message}`, true);
      if (status === 404 || status === 410) {
        await o.subscriptions.removeEndpoint(sub.endpoint);
        log.info({ user: sub.user_name, subscription_id: sub.id, status }, 'push subscription expired; removed');
        return new ChannelError('push', `${where}: subscription ${sub.id} expired (HTTP ${status}), removed`, false);
      }
      return new ChannelError('push', `${where} answered HTTP ${status}`, isRetryableStatus(status));
    }
  }

  return {
    kind: 'push',
    async send(n: Notification, target: Target): Promise<void> {
      const { user } = expectTarget('push', target);
      const subs = await o.subscriptions.listForUser(user);
      if (subs.length === 0) throw new ChannelError('push', `user "${user}" has no push subscriptions`, false);
      const payload = JSON.stringify(pushPayload(n));
      const urgency = n.alert.severity === 'critical' || n.alert.severity === 'high' ? 'high' : 'normal';
      const failures = (await Promise.all(subs.map((s) => sendOne(s, payload, urgency)))).filter((e) => e !== undefined);
      if (failures.length < subs.length) {
        for (const f of failures) log.warn({ user, alert_id: n.alert.alert_id, err: f }, 'push to one of the user\'s browsers failed; others got it');
        return;
      }
      throw new ChannelError('push', `no browser of "${user}" got it: ${failures.map((f) => f.message.replace(/^push: /, '')).join('; ')}`, failures.some((f) => f.retryable));
    },
    async close(): Promise<void> {},
  };
}

export function pushPayload(n: Notification): PushPayload {
  const a = n.alert;
  return {
    title: n.subject, body: n.text.slice(n.text.indexOf('\n') + 1).trim(), url: a.event_url, tag: `vigil-alert-${a.alert_id}`,
    alert_id: a.alert_id, kind: a.kind, severity: a.severity, camera_id: a.camera_id,
  };
}
