import { unionBox } from '../../core/geometry.ts';
import { TOPICS, type BBox, type RuleTrigger, type Severity } from '../../core/types.ts';
import type { Sql, Store } from '../port.ts';
import { upsertIn } from './events.ts';
import { InvalidCursorError } from './types.ts';

/**
 * Alerts of the rules engine (migration 007): a trigger's event, alert, change-feed row and outbox
 * message are written in one transaction; a lifecycle change is written with who, when and why and
 * audited, after the alerts domain (src/alerts/lifecycle.ts) has allowed it on the locked row.
 */

export type AlertStatus = 'new' | 'ack' | 'resolved';
export type AlertChangeKind = 'new' | 'ack' | 'resolved' | 'false_positive' | 'escalated';

/** An alert as stored (the alerts domain maps it to what the API returns). */
export interface AlertRow {
  id: number;
  event_id: number;
  camera_id: string;
  rule_id: string;
  rule_name: string;
  rule_type: string;
  severity: Severity;
  status: AlertStatus;
  night: boolean;
  title: string;
  /** the frame that fired */
  triggered_at: Date;
  created_at: Date;
  updated_at: Date;
  /** who acknowledged it: `user:alice`, `api_key:gate-gw` */
  acked_by: string | null;
  acked_at: Date | null;
  ack_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolve_note: string | null;
  false_positive: boolean;
  escalated_at: Date | null;
  escalated_to: string | null;
  /** objects bucket 'snapshots' key of the alert's picture */
  snapshot_path: string | null;
}

export interface AlertChange {
  seq: number;
  change: AlertChangeKind;
  at: Date;
  by: string | null;
  note: string | null;
  /** the alert as it is now */
  alert: AlertRow;
}

export type AlertHistoryEntry = Omit<AlertChange, 'alert'>;

export interface AlertFilter {
  status?: AlertStatus;
  severity?: Severity;
  /** the rule's id (rule_key) */
  ruleId?: string;
  /** only alerts of these cameras (undefined = every camera) */
  cameraIds?: readonly string[];
  /** on triggered_at */
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  payload: unknown;
}

/**
 * What an outbox row records of a new or escalated alert: the facts as they were in the
 * transaction. The alerts domain turns them into the published message (src/alerts/outbox-message.ts).
 */
export interface OutboxFacts {
  kind: 'new' | 'escalation';
  alert_id: number;
  event_id: number;
  camera_id: string;
  camera_name: string | null;
  rule_id: string;
  rule_type: string;
  severity: Severity;
  night: boolean;
  title: string;
  /** ISO 8601 */
  triggered_at: string;
  created_at: string;
  /** objects bucket 'snapshots' key of the alert's picture */
  snapshot_path: string | null;
}

/** A condition of the system itself (video loss, disk, detector …) raised as an alert. */
export interface SystemAlertInput {
  /** one open alert per key while the condition holds, e.g. `video_loss:cam_001` */
  conditionKey: string;
  /** stored as rule_key `system.<kind>` */
  kind: string;
  kindName: string;
  cameraId: string;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
  at: Date;
}

export const SYSTEM_RULE_TYPE = 'system';
const SYSTEM_ACTOR = 'system';
const systemKeyPrefix = (conditionKey: string): string => `system:${conditionKey}:`;

/** One of a trigger's objects as it is in the frame that fired. */
export interface SubjectBox {
  track_id: number;
  class: string;
  confidence: number;
  bbox: BBox;
}

/** What a trigger's event shows: the frame that fired (null when it could not be kept) and its objects' boxes in it. */
export interface TriggerEvidence {
  /** the event's snapshot: the frame as taken */
  snapshotPath: string | null;
  /** the alert's snapshot (notifications attach it): the frame with the boxes drawn; the event's snapshot when null */
  drawnPath: string | null;
  boxes: SubjectBox[];
}

export interface AlertRepo {
  /** a system alert unless one of the same condition is open (deduplicated while it lasts) */
  raiseSystem(c: SystemAlertInput): Promise<{ alertId: number; created: boolean }>;
  /** resolves the open alert of a condition as the system, with the note; false when none was open */
  clearSystem(conditionKey: string, note: string): Promise<boolean>;
  /** condition keys of the system alerts not resolved yet */
  openSystemConditions(): Promise<string[]>;
  /**
   * Idempotent on trigger.key: a replayed trigger returns the first write with created=false. The
   * event's box is the union of the evidence's boxes (the trigger's box when none is in the frame).
   */
  recordTrigger(trigger: RuleTrigger, evidence?: TriggerEvidence): Promise<{ eventId: number; alertId?: number; created: boolean }>;
  /**
   * Writes a lifecycle change once `allowed` (which throws to refuse) has seen the alert locked as
   * it is; null when there is no such alert. A false positive also flags its event
   * (metadata.false_positive) for training.
   */
  changeStatus(id: number, c: StatusChange, allowed: (before: AlertRow) => void): Promise<AlertRow | null>;
  get(id: number): Promise<AlertRow | null>;
  /** newest first (id desc); throws InvalidCursorError on a bad cursor */
  list(f: AlertFilter): Promise<{ items: AlertRow[]; nextCursor: string | null }>;
  /** changes with seq > `seq`, ascending */
  changesSince(seq: number, limit: number): Promise<AlertChange[]>;
  /** the changes of one alert, oldest first: who did what, when and why */
  history(id: number): Promise<AlertHistoryEntry[]>;
  /** max seq of the change feed, 0 when empty */
  latestChangeSeq(): Promise<number>;
  /** unacknowledged critical alerts created at least `afterMinutes` before `now`, not escalated yet */
  pendingEscalations(now: Date, afterMinutes: number): Promise<AlertRow[]>;
  /** escalates once (false when already escalated or no longer new); writes the change and the outbox message */
  escalate(id: number, now: Date, to: string): Promise<boolean>;
  /** unacknowledged (status new) alerts per severity */
  activeCounts(): Promise<Partial<Record<Severity, number>>>;
  /** unpublished outbox rows, oldest first */
  outboxPending(limit: number): Promise<OutboxRow[]>;
  /**
   * Publishes the oldest unpublished outbox row with `publish` and marks it published at `at()`,
   * holding the outbox for that time, so relays of several processes publish each row once and in
   * id order. 'busy' when another relay holds it (that one goes on publishing), 'empty' when
   * nothing is pending. When `publish` throws, the row stays unpublished and the error is rethrown.
   */
  publishNextOutbox(publish: (row: OutboxRow) => Promise<void>, at: () => Date): Promise<'published' | 'busy' | 'empty'>;
  outboxBacklog(): Promise<number>;
}

/** A lifecycle change by a person or machine. */
export interface StatusChange {
  change: 'ack' | 'resolved' | 'false_positive';
  to: AlertStatus;
  /** the actor's label, e.g. `user:alice` */
  by: string;
  /** users.id when a signed-in user made the change (alerts.acknowledged_by references users) */
  byUserId: number | null;
  note: string | null;
}

export interface AlertRepoOptions {
  /** time source of created_at and lifecycle times (tests advance it) */
  now?: () => Date;
}

const COLUMNS = `id, event_id, camera_id, rule_key, rule_name, rule_type, severity, status, night, title, triggered_at,
  created_at, updated_at, acked_by, acked_at, ack_note, resolved_by, resolved_at, resolve_note, false_positive,
  escalated_at, escalated_to, snapshot_path`;
const prefixed = (alias: string) => COLUMNS.split(',').map((c) => `${alias}.${c.trim()}`).join(', ');

type DbAlert = Omit<AlertRow, 'rule_id'> & { rule_key: string };

function toRow(r: DbAlert): AlertRow {
  const { rule_key, ...rest } = r;
  return { ...rest, rule_id: rule_key };
}

// arbitrary key reserved for writers of alert_changes/outbox: seq and id order = commit order
const CHANGE_FEED_LOCK = 7262007;
// arbitrary key held by the one relay publishing the outbox at a time
const OUTBOX_RELAY_LOCK = 7262008;

// the columns each change writes; $2 = actor label, $3 = time, $4 = note, $6 = users.id or null
const SETS: Record<StatusChange['change'], string> = {
  ack: 'acked_by = $2, acked_at = $3, ack_note = $4, acknowledged_by = (SELECT id FROM users WHERE id = $6)',
  resolved: 'resolved_by = $2, resolved_at = $3, resolve_note = $4, resolved_by_user = (SELECT id FROM users WHERE id = $6)',
  false_positive: 'resolved_by = $2, resolved_at = $3, resolve_note = $4, resolved_by_user = (SELECT id FROM users WHERE id = $6), false_positive = true',
};

export function encodeAlertCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

function decodeAlertCursor(cursor: string): number {
  const id = /^[A-Za-z0-9_-]+$/.test(cursor) ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidCursorError('invalid cursor');
  return id;
}

export function alertRepo(store: Store, opts: AlertRepoOptions = {}): AlertRepo {
  const now = opts.now ?? (() => new Date());

  async function appendChange(tx: Sql, alertId: number, change: AlertChangeKind, at: Date, by: string | null, note: string | null): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_FEED_LOCK]);
    await tx.query('INSERT INTO alert_changes (alert_id, change, at, actor, note) VALUES ($1, $2, $3, $4, $5)', [alertId, change, at, by, note]);
  }

  async function appendOutbox(tx: Sql, kind: OutboxFacts['kind'], a: DbAlert): Promise<void> {
    const cam = await tx.query<{ name: string }>('SELECT name FROM cameras WHERE id = $1', [a.camera_id]);
    const facts: OutboxFacts = {
      kind, alert_id: a.id, event_id: a.event_id, camera_id: a.camera_id, camera_name: cam.rows[0]?.name ?? null,
      rule_id: a.rule_key, rule_type: a.rule_type, severity: a.severity, night: a.night, title: a.title,
      triggered_at: a.triggered_at.toISOString(), created_at: a.created_at.toISOString(), snapshot_path: a.snapshot_path,
    };
    await tx.query('INSERT INTO outbox (topic, key, payload, created_at) VALUES ($1, $2, $3::jsonb, $4)',
      [TOPICS.alertsCritical, a.camera_id, JSON.stringify(facts), now()]);
  }

  async function changeStatus(id: number, c: StatusChange, allowed: (before: AlertRow) => void): Promise<AlertRow | null> {
    return store.transaction(async (tx) => {
      const { rows } = await tx.query<DbAlert>(`SELECT ${COLUMNS} FROM alerts WHERE id = $1 AND event_key IS NOT NULL FOR UPDATE`, [id]);
      const before = rows[0];
      if (!before) return null;
      allowed(toRow(before));
      const at = now();
      const updated = await tx.query<DbAlert>(
        `UPDATE alerts SET status = $5, ${SETS[c.change]}, updated_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, c.by, at, c.note, c.to, c.byUserId],
      );
      await appendChange(tx, id, c.change, at, c.by, c.note);
      if (c.change === 'false_positive') {
        await tx.query('UPDATE events SET metadata = metadata || $2::jsonb WHERE id = $1',
          [before.event_id, JSON.stringify({ false_positive: { by: c.by, at: at.toISOString(), note: c.note, alert_id: id } })]);
      }
      await tx.query(`INSERT INTO audit_log (user_id, action, resource, details) VALUES ($1, $2, $3, $4::jsonb)`,
        [c.byUserId, `alert.${c.change}`, `alert/${id}`, JSON.stringify({ by: c.by, note: c.note, from: before.status, to: c.to })]);
      return toRow(updated.rows[0]!);
    });
  }

  /** the open system alert of a condition, locked for the caller's transaction */
  async function openSystemAlert(tx: Sql, conditionKey: string): Promise<DbAlert | undefined> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [systemKeyPrefix(conditionKey)]);
    const { rows } = await tx.query<DbAlert>(
      `SELECT ${COLUMNS} FROM alerts WHERE rule_type = $1 AND status <> 'resolved' AND starts_with(event_key, $2) ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [SYSTEM_RULE_TYPE, systemKeyPrefix(conditionKey)],
    );
    return rows[0];
  }

  return {
    raiseSystem: (c) => store.transaction(async (tx) => {
      const open = await openSystemAlert(tx, c.conditionKey);
      if (open) return { alertId: open.id, created: false };
      const key = `${systemKeyPrefix(c.conditionKey)}${c.at.getTime()}`;
      const ruleKey = `system.${c.kind}`;
      const eventId = await upsertIn(tx, {
        eventKey: key, cameraId: c.cameraId, eventType: SYSTEM_RULE_TYPE, label: c.kind, confidence: 1, bbox: null,
        snapshotPath: null, startTime: c.at, endTime: null, severity: c.severity,
        metadata: { rule: { id: ruleKey, name: c.kindName, type: SYSTEM_RULE_TYPE }, condition: c.conditionKey, title: c.title, alert: true, details: c.details },
      });
      const at = now();
      const { rows } = await tx.query<DbAlert>(
        `INSERT INTO alerts (event_id, event_key, camera_id, title, rule_key, rule_name, rule_type, severity, night, triggered_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, false, $9, $10, $10) RETURNING ${COLUMNS}`,
        [eventId, key, c.cameraId, c.title, ruleKey, c.kindName, SYSTEM_RULE_TYPE, c.severity, c.at, at],
      );
      const alert = rows[0]!;
      await appendChange(tx, alert.id, 'new', at, null, null);
      await appendOutbox(tx, 'new', alert);
      return { alertId: alert.id, created: true };
    }),

    clearSystem: (conditionKey, note) => store.transaction(async (tx) => {
      const open = await openSystemAlert(tx, conditionKey);
      if (!open) return false;
      const at = now();
      await tx.query(`UPDATE alerts SET status = 'resolved', resolved_by = $2, resolved_at = $3, resolve_note = $4, updated_at = $3 WHERE id = $1`,
        [open.id, SYSTEM_ACTOR, at, note]);
      await tx.query('UPDATE events SET end_time = $2 WHERE id = $1', [open.event_id, at]);
      await appendChange(tx, open.id, 'resolved', at, SYSTEM_ACTOR, note);
      return true;
    }),

    async openSystemConditions() {
      const { rows } = await store.query<{ condition: string }>(
        `SELECT DISTINCT e.metadata->>'condition' AS condition FROM alerts a JOIN events e ON e.id = a.event_id
         WHERE a.rule_type = $1 AND a.status <> 'resolved' AND e.metadata ? 'condition'`,
        [SYSTEM_RULE_TYPE],
      );
      return rows.map((r) => r.condition);
    },

    async recordTrigger(t, evidence = { snapshotPath: null, drawnPath: null, boxes: [] }) {
      if (t.testMode) throw new Error(`rule ${t.ruleId} is in test mode: its triggers are not recorded`);
      return store.transaction(async (tx) => {
        // the same per-key lock as the event upsert: concurrent replays of one trigger serialise here
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [t.key]);
        const seen = await tx.query<{ id: number }>('SELECT id FROM events WHERE event_key = $1 ORDER BY start_time LIMIT 1', [t.key]);
        if (seen.rows[0]) {
          const alert = await tx.query<{ id: number }>('SELECT id FROM alerts WHERE event_key = $1', [t.key]);
          return { eventId: seen.rows[0].id, alertId: alert.rows[0]?.id, created: false };
        }
        const { snapshotPath, boxes } = evidence;
        const eventId = await upsertIn(tx, {
          eventKey: t.key, cameraId: t.cameraId, eventType: t.ruleType, label: t.label, confidence: t.confidence,
          bbox: boxes.length ? unionBox(boxes.map((b) => b.bbox)) : t.bbox, snapshotPath, startTime: t.startedAt, endTime: t.at, severity: t.severity, late: t.late,
          metadata: {
            rule: { id: t.ruleId, name: t.ruleName, type: t.ruleType }, zone_id: t.zoneId ?? null, track_ids: t.trackIds,
            night: t.night, title: t.title, alert: t.alert, details: t.details, boxes,
          },
        });
        if (!t.alert) return { eventId, created: true };
        const at = now();
        const { rows } = await tx.query<DbAlert>(
          `INSERT INTO alerts (event_id, event_key, camera_id, title, rule_key, rule_name, rule_type, severity, night, triggered_at,
                               snapshot_path, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ${COLUMNS}`,
          [eventId, t.key, t.cameraId, t.title, t.ruleId, t.ruleName, t.ruleType, t.severity, t.night, t.at, evidence.drawnPath ?? snapshotPath, at],
        );
        const alert = rows[0]!;
        await appendChange(tx, alert.id, 'new', at, null, null);
        await appendOutbox(tx, 'new', alert);
        return { eventId, alertId: alert.id, created: true };
      });
    },

    changeStatus,

    async get(id) {
      const { rows } = await store.query<DbAlert>(`SELECT ${COLUMNS} FROM alerts WHERE id = $1 AND event_key IS NOT NULL`, [id]);
      return rows[0] ? toRow(rows[0]) : null;
    },

    async list(f) {
      const limit = Math.min(Math.max(Math.trunc(f.limit) || 1, 1), 1000);
      // fixed SQL fragments with $n placeholders; values only ever travel as parameters
      const where = ['event_key IS NOT NULL'];
      const params: unknown[] = [];
      const add = (fragment: (ref: string) => string, value: unknown) => where.push(fragment(`$${params.push(value)}`));
      if (f.cursor !== undefined) add((ref) => `id < ${ref}`, decodeAlertCursor(f.cursor));
      if (f.status !== undefined) add((ref) => `status = ${ref}`, f.status);
      if (f.severity !== undefined) add((ref) => `severity = ${ref}`, f.severity);
      if (f.ruleId !== undefined) add((ref) => `rule_key = ${ref}`, f.ruleId);
      if (f.cameraIds !== undefined) add((ref) => `camera_id = ANY(${ref}::text[])`, f.cameraIds);
      if (f.from !== undefined) add((ref) => `triggered_at >= ${ref}`, f.from);
      if (f.to !== undefined) add((ref) => `triggered_at < ${ref}`, f.to);
      const { rows } = await store.query<DbAlert>(
        `SELECT ${COLUMNS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(limit + 1)}`, params);
      const items = rows.slice(0, limit).map(toRow);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeAlertCursor(last.id) : null };
    },

    async changesSince(seq, limit) {
      const { rows } = await store.query<DbAlert & { seq: number; change: AlertChangeKind; at: Date; actor: string | null; note: string | null }>(
        `SELECT c.seq, c.change, c.at, c.actor, c.note, ${prefixed('a')}
         FROM alert_changes c JOIN alerts a ON a.id = c.alert_id WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
        [seq, Math.max(1, Math.trunc(limit))],
      );
      return rows.map(({ seq: s, change, at, actor, note, ...a }) => ({ seq: s, change, at, by: actor, note, alert: toRow(a as DbAlert) }));
    },

    async history(id) {
      const { rows } = await store.query<AlertHistoryEntry>(
        'SELECT seq, change, at, actor AS by, note FROM alert_changes WHERE alert_id = $1 ORDER BY seq', [id]);
      return rows;
    },

    async latestChangeSeq() {
      const { rows } = await store.query<{ seq: number }>('SELECT COALESCE(max(seq), 0)::bigint AS seq FROM alert_changes');
      return rows[0]!.seq;
    },

    async pendingEscalations(at, afterMinutes) {
      const { rows } = await store.query<DbAlert>(
        `SELECT ${COLUMNS} FROM alerts
         WHERE status = 'new' AND severity = 'critical' AND escalated_at IS NULL AND event_key IS NOT NULL
           AND created_at <= $1::timestamptz - make_interval(secs => $2)
         ORDER BY id LIMIT 500`,
        [at, afterMinutes * 60],
      );
      return rows.map(toRow);
    },

    escalate: (id, at, to) => store.transaction(async (tx) => {
      const { rows } = await tx.query<DbAlert>(
        `UPDATE alerts SET escalated_at = $2, escalated_to = $3, updated_at = $2
         WHERE id = $1 AND status = 'new' AND escalated_at IS NULL RETURNING ${COLUMNS}`,
        [id, at, to],
      );
      if (!rows[0]) return false;
      await appendChange(tx, id, 'escalated', at, null, `escalated to ${to}`);
      await appendOutbox(tx, 'escalation', rows[0]);
      return true;
    }),

    async activeCounts() {
      const { rows } = await store.query<{ severity: Severity; n: number }>(
        `SELECT severity, count(*)::int AS n FROM alerts WHERE status = 'new' AND event_key IS NOT NULL GROUP BY severity`);
      return Object.fromEntries(rows.map((r) => [r.severity, r.n]));
    },

    async outboxPending(limit) {
      const { rows } = await store.query<OutboxRow>(
        'SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1', [limit]);
      return rows;
    },

    publishNextOutbox: (publish, at) => store.transaction(async (tx) => {
      // one relay at a time: two relays taking different rows would publish them out of order, and
      // two taking the same row would publish it twice. The others do not wait: the holder goes on.
      const { rows: [lock] } = await tx.query<{ held: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS held', [OUTBOX_RELAY_LOCK]);
      if (!lock?.held) return 'busy';
      // read after taking the lock: sees every row the previous holder marked
      const { rows: [row] } = await tx.query<OutboxRow>(
        'SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE');
      if (!row) return 'empty';
      await publish(row);
      await tx.query('UPDATE outbox SET published_at = $2 WHERE id = $1', [row.id, at()]);
      return 'published';
    }),

    async outboxBacklog() {
      const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
      return rows[0]!.n;
    },
  };
}
