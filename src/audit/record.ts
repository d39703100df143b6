import { isIP } from 'node:net';
import type { Actor } from '../api/contract/actor.ts';
import type { AuditOutcome } from '../api/contract/audit.ts';
import type { Health } from '../core/health.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { Sql } from '../store/port.ts';

/**
 * One audited call: who (the authenticated actor; null when there was none or it could not be
 * established), from where, what (the action, e.g. `POST /api/v1/alerts/:id/ack`), on what (the
 * concrete path or ids) and how it ended. Details hold facts worth keeping (the reason of a
 * refusal, an export's time range); never a request body, never a credential.
 */
export interface AuditEntry {
  actor: Actor | null;
  ip: string | null;
  action: string;
  resource: string;
  outcome: AuditOutcome;
  /** HTTP status of the call; null for actions outside a request */
  status: number | null;
  details?: Record<string, unknown>;
}

/**
 * PostgreSQL's jsonb refuses NUL and unpaired surrogates, and a refused request's reason may quote
 * exactly those (that is why it was refused): they are stored as U+FFFD so the row is still written.
 */
const storableText = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? value.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : value;

export type RecordAudit = (entry: AuditEntry) => Promise<void>;

/** Appends rows to audit_log; the database links each into the hash chain (migration 014). */
export function auditWriter(sql: Sql): RecordAudit {
  return async (e) => {
    const kind = e.actor?.kind ?? null;
    await sql.query(
      `INSERT INTO audit_log (actor_kind, actor_name, user_id, api_key_id, ip_address, action, resource, outcome, status, details)
       VALUES ($1, $2, $3, $4, $5::inet, $6, $7, $8, $9, $10::jsonb)`,
      [
        kind, e.actor?.name ?? null, kind === 'user' ? e.actor!.id : null, kind === 'api_key' ? e.actor!.id : null,
        // the address as the socket (or a trusted proxy) gave it; anything else is not an address
        e.ip && isIP(e.ip) ? e.ip : null,
        e.action, e.resource, e.outcome, e.status, JSON.stringify(e.details ?? {}, storableText),
      ],
    );
  };
}

export const AUDIT_COMPONENT = 'audit';

/**
 * The writer as the API uses it: a failed audit write never fails the call it records (the action
 * has happened; answering 500 would make a client retry it), but it is loud — an error log line
 * when writes start failing and an info line when they work again, the `audit` health component
 * degraded meanwhile, and `audit_write_failures_total` counting every row lost.
 */
export function guardedAuditWriter(write: RecordAudit, deps: { log: Logger; health?: Health }): RecordAudit {
  let failing = false;
  return async (entry) => {
    try {
      await write(entry);
      if (failing) {
        failing = false;
        deps.log.info({ action: entry.action }, 'audit rows are written again');
        deps.health?.set(AUDIT_COMPONENT, 'healthy');
      }
    } catch (err) {
      metrics.auditWriteFailures.inc();
      if (failing) return;
      failing = true;
      deps.log.error({ err, action: entry.action, resource: entry.resource }, 'cannot write audit rows: calls are answered but not audited until the database accepts them again');
      deps.health?.set(AUDIT_COMPONENT, 'degraded', `audit rows are not written: ${(err as Error).message}`);
    }
  };
}
