import { z } from 'zod';
import { SEVERITIES } from '../analytics/rules/types.ts';
import { PUSH_SERVICE_HOSTS } from './channels/push-endpoint.ts';

/**
 * The `notifications` section of the configuration (referenced from src/config/schema.ts).
 * Secrets are not written here: each comes from an environment variable or a `<VAR>_FILE`
 * (see secrets.ts); the fields only say which.
 */
const id = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32');
const severity = z.enum(SEVERITIES);
const CHANNELS = ['email', 'sms', 'push', 'webhook', 'mqtt'] as const;

const limit = (max: number, windowSeconds: number, what: string) => z.object({
  max: z.number().int().min(1).default(max).describe(`${what} at most this many`),
  window_seconds: z.number().positive().default(windowSeconds).describe('per this many seconds'),
}).strict().prefault({});

export const recipientSchema = z.object({
  name: id.describe('recipient id (also the push user whose subscriptions receive push)'),
  channels: z.array(z.enum(CHANNELS)).min(1).describe('channels this recipient is notified on'),
  email: z.email().optional().describe('address for the email channel'),
  phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'E.164, e.g. +15550001234').optional().describe('number for the sms channel'),
  webhooks: z.array(id).default([]).describe('ids of notifications.webhooks endpoints for the webhook channel'),
  min_severity: severity.default('high').describe('alerts below this severity are not sent to this recipient'),
  admin: z.boolean().default(false).describe('escalations (unacknowledged critical alerts) go to admin recipients'),
  cameras: z.array(id).default([]).describe('only alerts of these cameras (empty: all cameras)'),
}).strict()
  .refine((r) => !r.channels.includes('email') || r.email, { message: 'the email channel needs an email address', path: ['email'] })
  .refine((r) => !r.channels.includes('sms') || r.phone, { message: 'the sms channel needs a phone number', path: ['phone'] })
  .refine((r) => !r.channels.includes('webhook') || r.webhooks.length > 0, { message: 'the webhook channel needs webhooks (endpoint ids)', path: ['webhooks'] });

export const notificationsSchema = z.object({
  enabled: z.boolean().default(true).describe('run the notifier (notify role) on alerts.critical'),
  email: z.object({
    host: z.string().min(1).describe('SMTP server'),
    port: z.number().int().min(1).max(65535).default(587).describe('SMTP port'),
    secure: z.boolean().default(false).describe('TLS from the start (port 465); otherwise STARTTLS when offered'),
    username: z.string().optional().describe('SMTP user; password from VIGIL_SMTP_PASSWORD or VIGIL_SMTP_PASSWORD_FILE'),
    from: z.string().min(3).describe('sender, e.g. "Vigil <vigil@example.com>"'),
    timeout_seconds: z.number().positive().default(10).describe('connection and send timeout'),
  }).strict().optional().describe('email over SMTP (HTML with the snapshot attached)'),
  webhooks: z.array(z.object({
    id: id.describe('endpoint id; its secret comes from VIGIL_WEBHOOK_<ID>_SECRET (or _FILE)'),
    url: z.url({ protocol: /^https?$/ }).describe('receiver URL (POST, JSON body, X-Vigil-Signature: HMAC-SHA256 of the body)'),
    timeout_seconds: z.number().positive().default(5).describe('request timeout'),
  }).strict()).default([]).describe('webhook endpoints'),
  sms: z.object({
    base_url: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com').describe('Twilio-compatible API base URL'),
    account_sid: z.string().min(1).describe('account SID; auth token from VIGIL_SMS_AUTH_TOKEN or VIGIL_SMS_AUTH_TOKEN_FILE'),
    from: z.string().min(1).describe('sending number'),
    timeout_seconds: z.number().positive().default(10).describe('request timeout'),
  }).strict().optional().describe('SMS over a Twilio-compatible HTTP API'),
  push: z.object({
    subject: z.string().min(1).describe('VAPID subject (mailto: or https: URL)'),
    public_key: z.string().min(1).describe('VAPID public key; the private key from VIGIL_VAPID_PRIVATE_KEY or VIGIL_VAPID_PRIVATE_KEY_FILE'),
    allowed_hosts: z.array(z.string().min(1)).default([...PUSH_SERVICE_HOSTS]).describe('push services a subscription\'s endpoint may name (host names; *.example.com for any sub-domain): Vigil sends to the endpoint, so any other host, IP addresses, plain http and other ports are refused, and Vigil cannot be made to probe its own network'),
  }).strict().optional().describe('Web Push (VAPID) to the subscriptions stored per user'),
  mqtt: z.object({
    url: z.string().regex(/^mqtts?:\/\//, 'must start with mqtt:// or mqtts://').describe('broker; password from VIGIL_MQTT_PASSWORD or VIGIL_MQTT_PASSWORD_FILE'),
    username: z.string().optional().describe('broker user'),
    topic_prefix: z.string().min(1).default('vigil').describe('topics: <prefix>/events, <prefix>/cameras/<camera>/state, <prefix>/availability'),
    discovery: z.boolean().default(true).describe('publish Home Assistant discovery messages'),
    discovery_prefix: z.string().min(1).default('homeassistant').describe('Home Assistant discovery prefix'),
  }).strict().optional().describe('MQTT for Home Assistant'),
  recipients: z.array(recipientSchema).default([]).describe('who is notified, on which channels, from which severity'),
  rate_limits: z.object({
    sms_per_phone: limit(1, 300, 'SMS per phone:').describe('seed §4.2.8: 1 SMS per phone per 5 minutes'),
    email_per_address: limit(10, 3600, 'emails per address:').describe('seed §4.2.8: 10 emails per address per hour'),
  }).strict().prefault({}).describe('over a limit a notification is suppressed: recorded and counted, never sent'),
  retry: z.object({
    max_retries: z.number().int().min(0).max(20).default(3).describe('retries per channel after the first attempt fails (retryable errors only); then a dead letter'),
    base_seconds: z.number().positive().default(10).describe('first retry delay; doubled each retry (±20 % jitter)'),
    max_seconds: z.number().positive().default(600).describe('longest retry delay'),
  }).strict().prefault({}).describe('retries with exponential backoff per channel'),
  recovery: z.object({
    probe_seconds: z.number().positive().default(60).describe('while a channel has dead letters, one of them is re-sent this often; when it goes through, the channel\'s other dead letters are re-queued'),
    max_age_hours: z.number().positive().default(24).describe('dead letters older than this are only re-sent by hand (seed §8.5: dead letter after 24 hours)'),
  }).strict().prefault({}).describe('delivery after a channel recovers'),
  local_alarm: z.object({
    command: z.array(z.string().min(1)).min(1).describe('argv of a local relay/buzzer command (no shell); gets the alert as VIGIL_ALERT_* env vars and JSON on stdin'),
    min_severity: severity.default('critical').describe('alerts from this severity run the command'),
    timeout_seconds: z.number().positive().default(10).describe('the command is killed after this'),
  }).strict().optional().describe('local alarm hook: runs for alerts regardless of channel health'),
}).strict().prefault({}).superRefine((n, ctx) => {
  const endpoints = new Set(n.webhooks.map((w) => w.id));
  n.recipients.forEach((r, i) => {
    for (const w of r.webhooks) if (!endpoints.has(w)) ctx.addIssue({ code: 'custom', path: ['recipients', i, 'webhooks'], message: `no webhook endpoint "${w}" in notifications.webhooks` });
    for (const c of r.channels) if (c !== 'webhook' && !n[c]) ctx.addIssue({ code: 'custom', path: ['recipients', i, 'channels'], message: `channel ${c} is not configured (notifications.${c})` });
  });
});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type RecipientConfig = NotificationsConfig['recipients'][number];
