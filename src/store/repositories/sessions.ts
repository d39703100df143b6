import type { Sql, Store } from '../port.ts';

/** A sign-in: the family of its refresh tokens (migration 012). */
export interface SessionRow {
  id: string;
  user_id: number;
  user_agent: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/** What exchanging a refresh token found. */
export type RefreshLookup =
  | { state: 'unknown' }
  | { state: 'reused' | 'expired' | 'revoked'; session: SessionRow }
  | { state: 'ok'; session: SessionRow };

export interface SessionRepo {
  create(s: { id: string; userId: number; userAgent: string | null; ip: string | null; expiresAt: Date; tokenHash: string }): Promise<SessionRow>;
  /**
   * Exchanges a refresh token for the next one of its family, atomically: a token is accepted once;
   * a second presentation finds it used ('reused') and the caller revokes the family.
   */
  rotate(tokenHash: string, next: { tokenHash: string; expiresAt: Date; ip: string | null }, now: Date): Promise<RefreshLookup>;
  get(id: string): Promise<SessionRow | null>;
  /** the user's sessions not revoked and not expired, newest first */
  listActive(userId: number, now: Date): Promise<SessionRow[]>;
  /** false when it was revoked already or does not exist */
  revoke(id: string, reason: string, now: Date): Promise<boolean>;
  revokeAllOfUser(userId: number, reason: string, now: Date): Promise<number>;
}

const COLUMNS = 'id::text AS id, user_id::int AS user_id, user_agent, ip, created_at, last_used_at, expires_at, revoked_at, revoked_reason';

async function sessionOf(sql: Sql, id: string): Promise<SessionRow | null> {
  return (await sql.query<SessionRow>(`SELECT ${COLUMNS} FROM auth_sessions WHERE id = $1`, [id])).rows[0] ?? null;
}

export function sessionRepo(store: Store): SessionRepo {
  return {
    create: (s) => store.transaction(async (tx) => {
      const { rows } = await tx.query<SessionRow>(
        `INSERT INTO auth_sessions (id, user_id, user_agent, ip, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [s.id, s.userId, s.userAgent, s.ip, s.expiresAt],
      );
      await tx.query('INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)', [s.tokenHash, s.id, s.expiresAt]);
      return rows[0]!;
    }),
    rotate: (hash, next, now) => store.transaction(async (tx) => {
      const { rows } = await tx.query<{ session_id: string; expires_at: Date; used_at: Date | null }>(
        'SELECT session_id::text AS session_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [hash],
      );
      const token = rows[0];
      if (!token) return { state: 'unknown' };
      const session = (await sessionOf(tx, token.session_id))!;
      if (session.revoked_at) return { state: 'revoked', session };
      if (token.used_at) return { state: 'reused', session };
      if (token.expires_at <= now) return { state: 'expired', session };
      await tx.query('UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1', [hash, now]);
      await tx.query('INSERT INTO refresh_tokens (token_hash, session_id, parent_hash, expires_at) VALUES ($1, $2, $3, $4)', [next.tokenHash, session.id, hash, next.expiresAt]);
      const updated = await tx.query<SessionRow>(
        `UPDATE auth_sessions SET last_used_at = $2, expires_at = $3, ip = COALESCE($4, ip) WHERE id = $1 RETURNING ${COLUMNS}`,
        [session.id, now, next.expiresAt, next.ip],
      );
      return { state: 'ok', session: updated.rows[0]! };
    }),
    get: (id) => sessionOf(store, id),
    async listActive(userId, now) {
      const { rows } = await store.query<SessionRow>(
        `SELECT ${COLUMNS} FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC`, [userId, now],
      );
      return rows;
    },
    async revoke(id, reason, now) {
      const { rows } = await store.query('UPDATE auth_sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now, reason]);
      return rows.length === 1;
    },
    async revokeAllOfUser(userId, reason, now) {
      const { rows } = await store.query('UPDATE auth_sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, now, reason]);
      return rows.length;
    },
  };
}
