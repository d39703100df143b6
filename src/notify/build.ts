import type { LoadedConfig } from '../config/load.ts';
import { secretFromEnv } from '../config/load.ts';
import { registerSecret } from '../core/redact.ts';
import { createEmailChannel } from './channels/email.ts';
import { createSmsChannel } from './channels/sms.ts';
import type { Channel } from './channels/types.ts';
import { createWebhookChannel } from './channels/webhook.ts';
import type { Render } from './deliver.ts';
import { renderNotification } from './render.ts';

/** A secret from VIGIL_<NAME> or VIGIL_<NAME>_FILE, registered for redaction. */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = secretFromEnv(env, `VIGIL_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`);
  registerSecret(value);
  return value;
}

/** The channels configured in `notifications` (config → channel options, secrets from the environment). */
export function buildChannels(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): Channel[] {
  const n = loaded.config.notifications;
  const channels: Channel[] = [];
  if (n.email) {
    channels.push(createEmailChannel({
      host: n.email.host, port: n.email.port, secure: n.email.secure, username: n.email.username, password: secret(env, 'SMTP_PASSWORD'),
      from: n.email.from, timeoutMs: n.email.timeout_seconds * 1000,
    }));
  }
  if (n.sms) {
    channels.push(createSmsChannel({
      baseUrl: n.sms.base_url, accountSid: n.sms.account_sid, authToken: secret(env, 'SMS_AUTH_TOKEN') ?? '', from: n.sms.from, timeoutMs: n.sms.timeout_seconds * 1000,
    }));
  }
  if (n.webhooks.length) {
    channels.push(createWebhookChannel(n.webhooks.map((w) => ({ id: w.id, url: w.url, secret: secret(env, `WEBHOOK_${w.id}_SECRET`) ?? '', timeoutMs: w.timeout_seconds * 1000 }))));
  }
  return channels;
}

/** Renders in the time zone of the camera's site. */
export function siteRender(loaded: LoadedConfig): Render {
  const zones = new Map(loaded.cameras.map((c) => [c.id, loaded.config.sites.find((s) => s.id === c.siteId)?.timezone ?? 'UTC']));
  return (alert, snapshot) => renderNotification(alert, { timezone: zones.get(alert.camera_id) ?? loaded.config.sites[0]?.timezone ?? 'UTC', snapshot });
}
