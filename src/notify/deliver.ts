import type { AlertMessage } from '../core/types.ts';
import type { Objects } from '../objects/port.ts';
import type { DeliveryRow } from '../store/repositories/notifications.ts';
import type { Channel, Notification, Target } from './channels/types.ts';
import type { Deliver } from './dispatcher.ts';

/** Renders an alert (src/notify/render.ts) with its snapshot JPEG, if it could be read. */
export type Render = (alert: AlertMessage, snapshot?: Buffer) => Notification | Promise<Notification>;

/** the channel Target a delivery row names */
export function targetOf(d: Pick<DeliveryRow, 'channel' | 'target'>): Target {
  switch (d.channel) {
    case 'email': return { kind: 'email', address: d.target };
    case 'sms': return { kind: 'sms', phone: d.target };
    case 'webhook': return { kind: 'webhook', endpoint: d.target };
    case 'push': return { kind: 'push', user: d.target };
    case 'mqtt': return { kind: 'mqtt' };
    default: throw Object.assign(new Error(`unknown channel ${d.channel}`), { retryable: false });
  }
}

/**
 * A dispatcher sender for a channel. The snapshot is read per attempt (a missing one only drops
 * the attachment: the alert still goes out).
 */
export function channelSender(channel: Channel, render: Render, objects: Objects): Deliver {
  return async (d) => {
    const key = d.message.snapshot_key;
    const snapshot = key ? await objects.get('snapshots', key).catch(() => undefined) : undefined;
    await channel.send(await render(d.message, snapshot), targetOf(d));
  };
}
