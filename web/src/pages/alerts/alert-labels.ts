import type { z } from 'zod';
import type { alertHistoryEntry, alertSchema } from '@contract/alerts.ts';

export type Alert = z.infer<typeof alertSchema>;
export type AlertAction = 'ack' | 'resolve' | 'false-positive';

export const CHANGE_LABEL: Record<z.infer<typeof alertHistoryEntry>['change'], string> = {
  new: 'Triggered', ack: 'Acknowledged', resolved: 'Resolved', false_positive: 'Marked false positive', escalated: 'Escalated',
};

export const STATUS_LABEL: Record<Alert['status'], string> = { new: 'New', ack: 'Acknowledged', resolved: 'Resolved' };

/** The actions, their one-key shortcut and the states they apply to (the API answers 409 otherwise). */
export const ACTIONS: { action: AlertAction; key: string; label: string; from: readonly Alert['status'][] }[] = [
  { action: 'ack', key: 'a', label: 'Acknowledge', from: ['new'] },
  { action: 'resolve', key: 'r', label: 'Resolve', from: ['new', 'ack'] },
  { action: 'false-positive', key: 'f', label: 'False positive', from: ['new', 'ack'] },
];

/** `user:alice` → alice; `api_key:gw` → API key gw; null → Vigil */
export function actorName(by: string | null): string {
  if (!by || by === 'system') return 'Vigil';
  const [kind, name] = by.split(/:(.*)/s);
  return kind === 'api_key' ? `API key ${name}` : (name ?? by);
}
