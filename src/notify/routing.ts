import type { Severity } from '../analytics/rules/types.ts';
import { SEVERITIES } from '../analytics/rules/types.ts';
import type { AlertMessage } from '../core/types.ts';
import type { DeliveryRoute } from '../store/repositories/notifications.ts';
import type { NotificationsConfig, RecipientConfig } from './config.ts';

/** The local alarm hook is routed like a channel, so it is recorded and idempotent too. */
export const LOCAL_ALARM = 'local_alarm';

export const atLeast = (s: Severity, min: Severity): boolean => SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(min);

/**
 * Who gets an alert message on which channel:
 * - `new`: every recipient whose min_severity ≤ the alert's and whose camera filter matches;
 * - `escalation`: the admin recipients (all their channels, whatever their filters).
 * Rate limits: SMS per phone, email per address (seed §4.2.8); other channels are not limited.
 */
export function routesFor(m: AlertMessage, n: NotificationsConfig): DeliveryRoute[] {
  const recipients = m.kind === 'escalation'
    ? n.recipients.filter((r) => r.admin)
    : n.recipients.filter((r) => atLeast(m.severity, r.min_severity) && (r.cameras.length === 0 || r.cameras.includes(m.camera_id)));
  const routes = recipients.flatMap((r) => r.channels.flatMap((c) => channelRoutes(r, c, n)));
  if (m.kind === 'new' && n.local_alarm && atLeast(m.severity, n.local_alarm.min_severity)) {
    routes.push({ recipient: 'local', channel: LOCAL_ALARM, target: '-' });
  }
  return routes;
}

export function channelRoutes(r: RecipientConfig, channel: RecipientConfig['channels'][number], n: NotificationsConfig): DeliveryRoute[] {
  const { sms_per_phone: sms, email_per_address: email } = n.rate_limits;
  switch (channel) {
    case 'email':
      return [{ recipient: r.name, channel, target: r.email!, limit: { rateKey: `email:${r.email!.toLowerCase()}`, max: email.max, windowMs: email.window_seconds * 1000 } }];
    case 'sms':
      return [{ recipient: r.name, channel, target: r.phone!, limit: { rateKey: `sms:${r.phone!}`, max: sms.max, windowMs: sms.window_seconds * 1000 } }];
    case 'webhook':
      return r.webhooks.map((endpoint) => ({ recipient: r.name, channel, target: endpoint }));
    case 'push':
      return [{ recipient: r.name, channel, target: r.name }];
    case 'mqtt':
      return [{ recipient: r.name, channel, target: '-' }];
  }
}
