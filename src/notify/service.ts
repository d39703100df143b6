/**
 * The dead-letter use cases of operators: list and re-send. A caller scoped to some cameras only
 * sees (and re-sends) the dead letters of those cameras' alerts; re-sending records who did it.
 */
import { callerLabel, type Caller } from '../core/actor.ts';
import { conflict, invalid, notFound } from '../core/errors.ts';
import type { DlqRow, DlqStatus, NotificationRepo } from '../store/repositories/notifications.ts';

/**
 * A delivery error as a non-admin sees it. Raw errors name hosts, ports and connection failures
 * (ECONNREFUSED 10.0.0.5:5432): shown to anyone who can register a target, the list would be a
 * port scanner. Only the HTTP status a service answered is kept; admins see the whole error.
 */
export function genericDeliveryError(channel: string, error: string): string {
  const status = /\bHTTP (\d{3})\b/.exec(error)?.[1];
  return status ? `the ${channel} service answered HTTP ${status}` : `the ${channel} channel could not deliver (an administrator sees the cause)`;
}

export function publicDlq(q: DlqRow, caller: Caller) {
  return {
    id: q.id, delivery_id: q.delivery_id, alert_id: q.alert_id, kind: q.kind, recipient: q.recipient, channel: q.channel, target: q.target,
    error: caller.role === 'admin' ? q.error : genericDeliveryError(q.channel, q.error), retryable: q.retryable, attempts: q.attempts, status: q.status, created_at: q.created_at, retried_at: q.retried_at, retried_by: q.retried_by,
  };
}
export type PublicDlq = ReturnType<typeof publicDlq>;

/** The dead-letter list pages by id; its cursor is the last id seen, as a decimal string. */
function decodeDlqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = /^[1-9][0-9]{0,15}$/.test(cursor) ? Number(cursor) : NaN;
  if (!Number.isSafeInteger(id)) throw invalid(`query parameter 'cursor' is not a cursor returned by this API`);
  return id;
}

export type NotificationService = ReturnType<typeof notificationService>;

export function notificationService(notifications: NotificationRepo, now: () => Date = () => new Date()) {
  const scope = (caller: Caller) => caller.cameras ?? undefined;
  return {
    async listDlq(caller: Caller, q: { status?: DlqStatus; limit: number; cursor?: string }): Promise<{ items: PublicDlq[]; next_cursor: string | null }> {
      const rows = await notifications.listDlq({ status: q.status, before: decodeDlqCursor(q.cursor), limit: q.limit + 1, cameraIds: scope(caller) });
      const items = rows.slice(0, q.limit);
      return { items: items.map((q) => publicDlq(q, caller)), next_cursor: rows.length > q.limit ? String(items.at(-1)!.id) : null };
    },

    /** re-sends a dead letter now with a fresh retry budget, recorded as re-sent by the caller */
    async retry(caller: Caller, id: number): Promise<{ id: number; delivery_id: number; status: 'retrying' }> {
      const r = await notifications.requeueDlq(id, now(), callerLabel(caller), scope(caller));
      if (r.ok) return { id, delivery_id: r.delivery.id, status: 'retrying' };
      if (r.reason === 'not_found') throw notFound(`no dead letter with id ${id}`);
      throw conflict(r.status === 'delivered' ? `dead letter ${id} was already delivered` : `dead letter ${id} is already being retried`);
    },
  };
}
