import type { Sql, Store } from '../port.ts';

/** A person who signs in (migration 001; cameras and disabled from 012/013). The password hash never leaves this file's writes. */
export interface UserRow {
  id: number;
  username: string;
  role: string;
  /** camera ids the user may see; null = every camera */
  cameras: string[] | null;
  disabled: boolean;
  /** two-factor sign-in is on (migration 012) */
  mfa_enabled: boolean;
  email: string | null;
  phone: string | null;
  created_at: Date;
}

export interface UserInput {
  username: string;
  passwordHash: string;
  role: string;
  cameras: string[] | null;
}

export interface UserPatch {
  role?: string;
  passwordHash?: string;
  /** null = every camera */
  cameras?: string[] | null;
  disabled?: boolean;
}

/** The queries of one connection or transaction. */
export interface UserQueries {
  list(): Promise<UserRow[]>;
  get(id: number): Promise<UserRow | null>;
  byUsername(username: string): Promise<UserRow | null>;
  /** null when the username is taken */
  insert(u: UserInput): Promise<UserRow | null>;
  /** null when there is no such user */
  update(id: number, patch: UserPatch): Promise<UserRow | null>;
  /** true when a row was deleted */
  remove(id: number): Promise<boolean>;
  /**
   * Ids of the admins who can sign in, locked until the transaction ends: a concurrent demotion
   * waits and then sees this one's result, so two admins cannot demote each other to none.
   */
  lockActiveAdmins(): Promise<number[]>;
  /** Forgets a user's second factor (secret, enrolment, recovery codes); false when no such user. */
  resetMfa(id: number): Promise<boolean>;
}

export interface UserRepo extends UserQueries {
  transaction<R>(fn: (tx: UserQueries) => Promise<R>): Promise<R>;
}

const COLUMNS = 'id, username, role, cameras, disabled, mfa_enabled, email, phone, created_at';
// the second factor's columns (added by sign-in's migration 012): all of them are reset together
const MFA_RESET = `mfa_secret = NULL, mfa_enabled = false, mfa_last_step = NULL, recovery_codes = '{}'`;

function userQueries(sql: Sql): UserQueries {
  const one = async (text: string, params: unknown[]) => (await sql.query<UserRow>(text, params)).rows[0] ?? null;
  return {
    async list() {
      return (await sql.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY username`)).rows;
    },
    get: (id) => one(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]),
    byUsername: (username) => one(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [username]),
    insert: (u) => one(
      `INSERT INTO users (username, password_hash, role, cameras) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
      [u.username, u.passwordHash, u.role, u.cameras],
    ),
    update: (id, p) => one(
      `UPDATE users SET
         role = COALESCE($2, role),
         password_hash = COALESCE($3, password_hash),
         cameras = CASE WHEN $4::boolean THEN $5::text[] ELSE cameras END,
         disabled = COALESCE($6, disabled),
         updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, p.role ?? null, p.passwordHash ?? null, p.cameras !== undefined, p.cameras ?? null, p.disabled ?? null],
    ),
    async remove(id) {
      return (await sql.query('DELETE FROM users WHERE id = $1 RETURNING id', [id])).rows.length > 0;
    },
    async lockActiveAdmins() {
      const { rows } = await sql.query<{ id: number }>(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`);
      return rows.map((r) => r.id);
    },
    async resetMfa(id) {
      return (await sql.query(`UPDATE users SET ${MFA_RESET}, updated_at = now() WHERE id = $1 RETURNING id`, [id])).rows.length > 0;
    },
  };
}

export function userRepo(store: Store): UserRepo {
  return { ...userQueries(store), transaction: (fn) => store.transaction((tx) => fn(userQueries(tx))) };
}
