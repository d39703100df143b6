import type { LoadedConfig } from '../config/load.ts';
import { envKey, secretFromEnv } from '../config/load.ts';
import { registerSecret } from '../core/redact.ts';
import type { CameraStatusSource } from '../core/camera-status.ts';
import type { Logger } from '../core/log.ts';
import type { PushSubscriptionRepo } from '../store/repositories/push-subscriptions.ts';
import { createEmailChannel } from './channels/email.ts';
import { createMqttChannel } from './channels/mqtt.ts';
import { createPushChannel } from './channels/push.ts';
import { createSmsChannel } from './channels/sms.ts';
import type { Channel } from './channels/types.ts';
import { createWebhookChannel } from './channels/webhook.ts';
import type { Render } from './deliver.ts';
import { renderNotification } from './render.ts';

/** VIGIL_<NAME>, upper-cased, other characters as "_" */
/** A secret from VIGIL_<NAME> or VIGIL_<NAME>_FILE, registered for redaction. */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = secretFromEnv(env, envKey(name));
  registerSecret(value);
  return value;
}

const CHANNEL_TIMEOUT_MS = 10_000;

export interface ChannelDeps {
  /** where Web Push finds each user's browser subscriptions */
  pushSubscriptions: PushSubscriptionRepo;
  log: Logger;
  /** camera stream health known in this process (MQTT publishes each camera's connectivity) */
  cameraStatus?: CameraStatusSource;
}

/**
 * A secret a channel cannot work without. Missing, the channel (or webhook endpoint) is left out
 * with an error naming the variable — its deliveries then fail by name into the dead-letter queue —
 * rather than signing with an empty key or stopping the process (recording must go on).
 */
function requiredSecret(env: NodeJS.ProcessEnv, name: string, what: string, log: Logger): string | undefined {
  const value = secret(env, name);
  const variable = envKey(name);
  if (!value) log.error({ channel: what, missing: `${variable} or ${variable}_FILE` }, `${what} disabled: ${variable} (or ${variable}_FILE) is not set`);
  return value;
}

/** The channels configured in `notifications` (config → channel options, secrets from the environment). */
export function buildChannels(loaded: LoadedConfig, deps: ChannelDeps, env: NodeJS.ProcessEnv = process.env): Channel[] {
  const n = loaded.config.notifications;
  const channels: Channel[] = [];
  if (n.email) {
    channels.push(createEmailChannel({
      host: n.email.host, port: n.email.port, secure: n.email.secure, username: n.email.username, password: secret(env, 'SMTP_PASSWORD'),
      from: n.email.from, timeoutMs: n.email.timeout_seconds * 1000,
    }));
  }
  const smsToken = n.sms && requiredSecret(env, 'SMS_AUTH_TOKEN', 'sms', deps.log);
  if (n.sms && smsToken) {
    channels.push(createSmsChannel({
      baseUrl: n.sms.base_url, accountSid: n.sms.account_sid, authToken: smsToken, from: n.sms.from, timeoutMs: n.sms.timeout_seconds * 1000,
    }));
  }
  const endpoints = n.webhooks.flatMap((w) => {
    const key = requiredSecret(env, `WEBHOOK_${w.id}_SECRET`, `webhook ${w.id}`, deps.log);
    return key ? [{ id: w.id, url: w.url, secret: key, timeoutMs: w.timeout_seconds * 1000 }] : [];
  });
  if (endpoints.length) channels.push(createWebhookChannel(endpoints));
  const vapidKey = n.push && requiredSecret(env, 'VAPID_PRIVATE_KEY', 'push', deps.log);
  if (n.push && vapidKey) {
    channels.push(createPushChannel({
      subject: n.push.subject, publicKey: n.push.public_key, privateKey: vapidKey,
      subscriptions: deps.pushSubscriptions, timeoutMs: CHANNEL_TIMEOUT_MS, log: deps.log, allowedHosts: n.push.allowed_hosts,
    }));
  }
  if (n.mqtt) {
    channels.push(createMqttChannel({
      url: n.mqtt.url, username: n.mqtt.username, password: secret(env, 'MQTT_PASSWORD'), prefix: n.mqtt.topic_prefix,
      discovery: n.mqtt.discovery, discoveryPrefix: n.mqtt.discovery_prefix, cameras: loaded.cameras.map((c) => ({ id: c.id, name: c.name })),
      timeoutMs: CHANNEL_TIMEOUT_MS, log: deps.log, cameraStatus: deps.cameraStatus,
    }));
  }
  return channels;
}

/** Renders in the time zone of the camera's site. */
export function siteRender(loaded: LoadedConfig): Render {
  const zones = new Map(loaded.cameras.map((c) => [c.id, loaded.config.sites.find((s) => s.id === c.siteId)?.timezone ?? 'UTC']));
  return (alert, snapshot) => renderNotification(alert, { timezone: zones.get(alert.camera_id) ?? loaded.config.sites[0]?.timezone ?? 'UTC', snapshot });
}
