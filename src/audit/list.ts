import type { AuditEntryResponse, AuditOutcome } from '../api/contract/audit.ts';
import type { Sql } from '../store/port.ts';
import { InvalidCursorError } from '../store/repositories/types.ts';

export interface AuditFilter {
  /** `user:alice` / `api_key:gate-gw` (kind and name), or a bare name (either kind) */
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

const ACTOR_LABEL = /^(user|api_key):(.+)$/s;

// The cursor is the last id of a page, opaque to clients so its form may change.
const encodeCursor = (id: number): string => Buffer.from(`a${id}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const m = /^a([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw new InvalidCursorError('invalid cursor');
  return id;
}

/** Rows of audit_log, newest first, one page at a time; throws InvalidCursorError on a cursor it did not issue. */
export async function listAudit(sql: Sql, f: AuditFilter): Promise<{ items: AuditEntryResponse[]; nextCursor: string | null }> {
  const label = f.actor ? ACTOR_LABEL.exec(f.actor) : null;
  const { rows } = await sql.query<AuditEntryResponse>(
    `SELECT id, created_at, actor_kind, actor_name, user_id, api_key_id, host(ip_address) AS ip, action, resource, outcome, status, details, prev_hash, hash
       FROM audit_log
      WHERE ($1::text IS NULL OR actor_kind = $1) AND ($2::text IS NULL OR actor_name = $2)
        AND ($3::text IS NULL OR action = $3) AND ($4::text IS NULL OR outcome = $4)
        AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)
        AND ($7::bigint IS NULL OR id < $7)
      ORDER BY id DESC LIMIT $8`,
    [
      label?.[1] ?? null, label?.[2] ?? f.actor ?? null, f.action ?? null, f.outcome ?? null,
      f.from ?? null, f.to ?? null, f.cursor === undefined ? null : decodeCursor(f.cursor), f.limit + 1,
    ],
  );
  const items = rows.slice(0, f.limit);
  return { items, nextCursor: rows.length > f.limit ? encodeCursor(items.at(-1)!.id) : null };
}

/** Every row matching the filter, newest first, fetched a page at a time (for the CSV download). */
export async function* allAudit(sql: Sql, f: Omit<AuditFilter, 'limit' | 'cursor'>, pageSize = 1000): AsyncGenerator<AuditEntryResponse> {
  let cursor: string | undefined;
  do {
    const page = await listAudit(sql, { ...f, limit: pageSize, cursor });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
