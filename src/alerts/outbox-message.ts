import type { AlertMessage } from '../core/types.ts';
import type { OutboxFacts } from '../store/repositories/alerts.ts';

/**
 * The message published for an outbox row: the alert's facts as recorded in its transaction, with
 * the absolute link notifications carry. Rows written before the facts format already hold the
 * message (they have `event_url`) and are published as they are.
 */
export function alertMessage(payload: unknown, publicUrl: string): AlertMessage {
  const p = payload as OutboxFacts | AlertMessage;
  if ('event_url' in p) return p;
  return {
    kind: p.kind, alert_id: p.alert_id, event_id: p.event_id, camera_id: p.camera_id, camera_name: p.camera_name ?? undefined,
    rule_id: p.rule_id, rule_type: p.rule_type, severity: p.severity, night: p.night, title: p.title,
    at: p.triggered_at, created_at: p.created_at, snapshot_key: p.snapshot_path ?? undefined,
    event_url: `${publicUrl.replace(/\/+$/, '')}/api/v1/events/${p.event_id}`,
  };
}
