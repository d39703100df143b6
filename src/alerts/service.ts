/**
 * The alert use cases of operators and viewers: each takes the caller, checks it may see the
 * alert's camera (another camera's alert is reported exactly like a missing one, so ids do not
 * leak), applies the state machine and records who acted.
 */
import { callerLabel, callerSeesCamera, visibleCameras, type Caller } from '../core/actor.ts';
import { notFound } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { Severity } from '../core/types.ts';
import type { Objects } from '../objects/port.ts';
import type { AlertHistoryEntry, AlertRepo, AlertRow, AlertStatus } from '../store/repositories/alerts.ts';
import type { EventRepo } from '../store/repositories/types.ts';
import { checkTransition, TRANSITIONS, type LifecycleChange } from './lifecycle.ts';
import { publicAlert, publicChange, type PublicAlert } from './public.ts';

export interface AlertServiceDeps {
  alerts: AlertRepo;
  events: EventRepo;
  objects: Objects;
  log: Logger;
}

export interface AlertQuery {
  status?: AlertStatus;
  severity?: Severity;
  camera?: string;
  rule?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/**
 * Training feedback: a false positive becomes training-data/false-positives/<camera>/<alert>.json
 * (the event's class, box, snapshot key and who marked it) beside the event's metadata.false_positive flag.
 */
export const falsePositiveKey = (a: Pick<AlertRow, 'camera_id' | 'id'>): string => `false-positives/${a.camera_id}/${a.id}.json`;

export type AlertService = ReturnType<typeof alertService>;

export function alertService(deps: AlertServiceDeps) {
  const { alerts } = deps;
  const missing = (id: number) => notFound(`no alert with id ${id}`);

  async function change(caller: Caller, id: number, kind: LifecycleChange, note: string | undefined): Promise<AlertRow> {
    const a = await alerts.changeStatus(id, {
      change: kind, to: TRANSITIONS[kind].to, by: callerLabel(caller), byUserId: caller.kind === 'user' ? caller.id : null, note: note ?? null,
    }, (before) => {
      if (!callerSeesCamera(caller, before.camera_id)) throw missing(id);
      checkTransition(before, kind);
    });
    if (!a) throw missing(id);
    return a;
  }

  async function saveFalsePositive(a: AlertRow): Promise<string | null> {
    const event = await deps.events.get(a.event_id);
    const record = {
      label: 'false_positive', alert_id: a.id, event_id: a.event_id, camera_id: a.camera_id, rule_id: a.rule_id, rule_type: a.rule_type,
      class: event?.label ?? null, bbox: event?.bounding_box ?? null, snapshot: event?.snapshot_path ? { bucket: 'snapshots', key: event.snapshot_path } : null,
      start_time: event?.start_time ?? null, end_time: event?.end_time ?? null, marked_by: a.resolved_by, marked_at: a.resolved_at, note: a.resolve_note,
    };
    try {
      await deps.objects.put('training-data', falsePositiveKey(a), Buffer.from(JSON.stringify(record, null, 2)), 'application/json');
      return falsePositiveKey(a);
    } catch (err) {
      // the database flag (events.metadata.false_positive) stays the record; the export is best effort
      deps.log.error({ err, alertId: a.id, camera_id: a.camera_id }, 'false positive recorded, but its training-data file could not be written');
      return null;
    }
  }

  return {
    /** newest first; only the caller's cameras */
    async list(caller: Caller, q: AlertQuery): Promise<{ items: PublicAlert[]; next_cursor: string | null }> {
      const cameraIds = visibleCameras(caller, q.camera);
      if (cameraIds?.length === 0) return { items: [], next_cursor: null };
      const page = await alerts.list({ status: q.status, severity: q.severity, ruleId: q.rule, cameraIds, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor });
      return { items: page.items.map(publicAlert), next_cursor: page.nextCursor };
    },

    /** the alert with its history: who did what, when and why */
    async get(caller: Caller, id: number): Promise<PublicAlert & { history: AlertHistoryEntry[] }> {
      const a = await alerts.get(id);
      if (!a || !callerSeesCamera(caller, a.camera_id)) throw missing(id);
      return { ...publicAlert(a), history: await alerts.history(id) };
    },

    async ack(caller: Caller, id: number, note?: string): Promise<PublicAlert> {
      const a = await change(caller, id, 'ack', note);
      metrics.alertAckDuration.observe(Math.max(0, (a.acked_at!.getTime() - a.created_at.getTime()) / 1000));
      return publicAlert(a);
    },

    resolve: async (caller: Caller, id: number, note?: string): Promise<PublicAlert> => publicAlert(await change(caller, id, 'resolved', note)),

    /** resolves as a false positive: flags the event and writes the training-data record */
    async falsePositive(caller: Caller, id: number, note?: string): Promise<PublicAlert & { training_data_key: string | null }> {
      const a = await change(caller, id, 'false_positive', note);
      return { ...publicAlert(a), training_data_key: await saveFalsePositive(a) };
    },
  };
}

/** The change feed as the WebSocket sends it (alerts with links). */
export function publicAlertChanges(alerts: Pick<AlertRepo, 'changesSince' | 'latestChangeSeq'>) {
  return {
    changesSince: async (seq: number, limit: number) => (await alerts.changesSince(seq, limit)).map(publicChange),
    latestChangeSeq: () => alerts.latestChangeSeq(),
  };
}
