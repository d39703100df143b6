import type { AlertMessage } from '../core/types.ts';
import type { DeliveryRow } from '../store/repositories/notifications.ts';
import { notificationsSchema, type NotificationsConfig } from './config.ts';
import type { Deliver } from './dispatcher.ts';

/** Test fixtures shared by the notifier's unit and integration tests. */
let nextAlertId = 1000;

export function alertMessage(o: Partial<AlertMessage> = {}): AlertMessage {
  const id = o.alert_id ?? ++nextAlertId;
  return {
    kind: 'new', alert_id: id, event_id: id, camera_id: 'cam_001', rule_id: 'plaza-loiter', rule_type: 'loitering', severity: 'critical',
    night: false, title: 'Person loitering in Plaza for 5 min 12 s', at: '2025-01-20T10:00:00.000Z', created_at: '2025-01-20T10:00:01.000Z',
    event_url: `http://vigil.local/events/${id}`, ...o,
  };
}

/** channel blocks so that recipients on every channel validate (the senders are fakes) */
export function notificationsConfig(o: Record<string, unknown> = {}): NotificationsConfig {
  return notificationsSchema.parse({
    email: { host: 'smtp.invalid', from: 'vigil@example.com' },
    sms: { account_sid: 'AC1', from: '+15550000000' },
    mqtt: { url: 'mqtt://127.0.0.1' },
    push: { subject: 'mailto:ops@example.com', public_key: 'BPub' },
    webhooks: [{ id: 'ha', url: 'http://127.0.0.1:9/hook' }, { id: 'siem', url: 'http://127.0.0.1:9/siem' }],
    ...o,
  });
}

/** A fake channel: records what it sent; `fail` decides per delivery whether (and how) it throws. */
export function fakeSender(fail: (d: DeliveryRow, attempt: number) => Error | undefined = () => undefined): Deliver & { sent: DeliveryRow[]; attempts: Map<number, number> } {
  const sent: DeliveryRow[] = [];
  const attempts = new Map<number, number>();
  const send = async (d: DeliveryRow) => {
    const n = (attempts.get(d.id) ?? 0) + 1;
    attempts.set(d.id, n);
    const err = fail(d, n);
    if (err) throw err;
    sent.push(d);
  };
  return Object.assign(send, { sent, attempts });
}

/** what a ChannelError looks like to the dispatcher */
export const channelError = (message: string, retryable: boolean): Error => Object.assign(new Error(message), { retryable });
