import { createHash } from 'node:crypto';
import type { AuditVerifyResult } from '../api/contract/audit.ts';
import type { QueryResult, Sql } from '../store/port.ts';

/** prev_hash of the first row of the chain (migration 014) */
export const GENESIS_HASH = '0'.repeat(64);
const BATCH = 1000;

interface ChainRow {
  id: number;
  prev_hash: string | null;
  hash: string | null;
  canonical: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Why a row breaks the chain, or null when it links to `expectedPrev` and matches its hash. */
function breakOf(row: ChainRow, expectedPrev: string): string | null {
  if (row.hash === null || row.prev_hash === null) return 'the row has no hash: it was inserted with the chain trigger disabled';
  if (row.prev_hash !== expectedPrev) return 'prev_hash is not the hash of the row before it: a row before it was removed or its hash changed';
  if (sha256(row.prev_hash + row.canonical) !== row.hash) return 'the row no longer matches its hash: its content was changed';
  return null;
}

/**
 * Walks audit_log in id order and checks that each row links to the one before it and still
 * matches its hash. The hash is recomputed here, not by the database, over the canonical text
 * the database prints for the row (audit_log_canonical), so a changed hash function in the
 * database does not vouch for itself.
 */
export async function verifyAuditChain(sql: Sql): Promise<AuditVerifyResult> {
  let rows = 0;
  let prev = GENESIS_HASH;
  let headId: number | null = null;
  for (;;) {
    const batch: QueryResult<ChainRow> = await sql.query<ChainRow>(
      `SELECT id, prev_hash, hash, audit_log_canonical(a) AS canonical FROM audit_log a WHERE id > $1 ORDER BY id LIMIT $2`,
      [headId ?? 0, BATCH],
    );
    for (const row of batch.rows) {
      const reason = breakOf(row, prev);
      if (reason) return { rows: rows + 1, ok: false, first_broken_id: row.id, reason, head_id: null, head_hash: null };
      rows += 1;
      prev = row.hash!;
      headId = row.id;
    }
    if (batch.rows.length < BATCH) break;
  }
  return { rows, ok: true, reason: null, head_id: headId, head_hash: headId === null ? null : prev };
}
