import type { AlertMessage } from '../core/types.ts';
import type { Channel } from './channels/types.ts';
import type { NotificationsConfig, RecipientConfig } from './config.ts';
import { targetOf } from './deliver.ts';
import { renderNotification } from './render.ts';
import { channelRoutes } from './routing.ts';

/** How one channel of a recipient took the test message. */
export interface TestSendResult {
  channel: string;
  target: string;
  ok: boolean;
  /** why it failed (never a secret: channel errors carry none) */
  error: string | null;
}

/**
 * "Send test": a message that says it is a test, through every channel of the recipient, straight
 * to the channel (no queue, no retries, no rate limit), so the admin sees at once which channel
 * works and why one does not.
 */
export async function sendTestNotification(o: {
  recipient: RecipientConfig; channels: readonly Channel[]; config: NotificationsConfig; timezone: string; publicUrl: string; by: string; now?: Date;
}): Promise<TestSendResult[]> {
  const at = (o.now ?? new Date()).toISOString();
  const message: AlertMessage = {
    kind: 'new', alert_id: 0, event_id: 0, camera_id: 'test', camera_name: 'Test message', rule_id: 'test', rule_type: 'test', severity: 'low', night: false,
    title: `Test notification from Vigil, sent by ${o.by}`, at, created_at: at, event_url: o.publicUrl,
  };
  const notification = renderNotification(message, { timezone: o.timezone });
  const results: TestSendResult[] = [];
  for (const kind of o.recipient.channels) {
    for (const route of channelRoutes(o.recipient, kind, o.config)) {
      const channel = o.channels.find((c) => c.kind === route.channel);
      try {
        if (!channel) throw new Error(`the ${route.channel} channel is not configured (notifications.${route.channel}) or its secret is missing`);
        await channel.send(notification, targetOf(route));
        results.push({ channel: route.channel, target: route.target, ok: true, error: null });
      } catch (err) {
        results.push({ channel: route.channel, target: route.target, ok: false, error: (err as Error).message });
      }
    }
  }
  return results;
}
