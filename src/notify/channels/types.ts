import type { AlertMessage } from '../../core/types.ts';

/** Notification channels (issue 5 shared interface, owner C). */
export type ChannelKind = 'email' | 'webhook' | 'sms' | 'push' | 'mqtt';

/** One rendered alert (src/notify/render.ts), ready for any channel. */
export interface Notification {
  alert: AlertMessage;
  subject: string;
  text: string;
  html: string;
  snapshot?: { bytes: Buffer; filename: string; contentType: string };
}

export type Target =
  | { kind: 'email'; address: string }
  | { kind: 'sms'; phone: string }
  | { kind: 'webhook'; endpoint: string /* endpoint id */ }
  | { kind: 'push'; user: string }
  | { kind: 'mqtt' };

export interface Channel {
  readonly kind: ChannelKind;
  /** delivers or throws a ChannelError */
  send(n: Notification, target: Target): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery; `retryable` says whether trying again later can succeed. Messages never carry secrets. */
export class ChannelError extends Error {
  constructor(readonly kind: ChannelKind, message: string, readonly retryable: boolean) {
    super(`${kind}: ${message}`);
    this.name = 'ChannelError';
  }
}

/** the target of the wanted kind, or a non-retryable error (a routing bug, not a transient failure) */
export function expectTarget<K extends Target['kind']>(kind: K & ChannelKind, target: Target): Extract<Target, { kind: K }> {
  if (target.kind !== kind) throw new ChannelError(kind, `cannot send to a ${target.kind} target`, false);
  return target as Extract<Target, { kind: K }>;
}
