import type { AlertChange, AlertRow } from '../store/repositories/alerts.ts';

/** An alert as the API and the WebSocket return it: the stored row with links instead of object keys. */
export function publicAlert(a: AlertRow) {
  const { snapshot_path, ...rest } = a;
  return {
    ...rest,
    event_url: `/api/v1/events/${a.event_id}`,
    snapshot_url: snapshot_path ? `/api/v1/events/${a.event_id}/snapshot` : null,
  };
}
export type PublicAlert = ReturnType<typeof publicAlert>;

export function publicChange(c: AlertChange) {
  return { ...c, alert: publicAlert(c.alert) };
}
