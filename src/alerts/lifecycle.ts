/**
 * The alert state machine: new → ack → resolved, or new/ack → resolved as a false positive.
 * Anything else (acknowledging a resolved alert, resolving twice) is a conflict naming the state.
 */
import { conflict } from '../core/errors.ts';
import type { AlertRow, AlertStatus, StatusChange } from '../store/repositories/alerts.ts';

export type LifecycleChange = StatusChange['change'];

interface Transition {
  from: readonly AlertStatus[];
  to: AlertStatus;
  verb: string;
}

export const TRANSITIONS: Readonly<Record<LifecycleChange, Transition>> = {
  ack: { from: ['new'], to: 'ack', verb: 'acknowledge' },
  resolved: { from: ['new', 'ack'], to: 'resolved', verb: 'resolve' },
  false_positive: { from: ['new', 'ack'], to: 'resolved', verb: 'mark as false positive' },
};

/** Throws a conflict when `change` is not allowed from the alert's current state. */
export function checkTransition(before: AlertRow, change: LifecycleChange): void {
  const t = TRANSITIONS[change];
  if (t.from.includes(before.status)) return;
  const state = before.false_positive ? 'resolved as a false positive' : before.status === 'ack' ? 'acknowledged' : before.status;
  throw conflict(`alert ${before.id} is ${state}: cannot ${t.verb} it (allowed from ${t.from.join(' or ')})`);
}
