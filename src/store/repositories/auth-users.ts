import type { Store } from '../port.ts';

/** What signing in needs of a user (migrations 001 and 012); the user list itself is users.ts. */
export interface AuthUserRow {
  id: number;
  username: string;
  password_hash: string;
  role: 'admin' | 'operator' | 'viewer';
  cameras: string[] | null;
  disabled: boolean;
  mfa_enabled: boolean;
  /** sealed TOTP secret (pending while mfa_enabled is false) */
  mfa_secret: string | null;
  mfa_last_step: number | null;
  recovery_codes: string[];
}

export interface AuthUserRepo {
  byName(username: string): Promise<AuthUserRow | null>;
  byId(id: number): Promise<AuthUserRow | null>;
  count(): Promise<number>;
  /** the first admin (setup) or the demo admin; fails on a taken username */
  create(u: { username: string; passwordHash: string; role: AuthUserRow['role']; cameras?: string[] | null }): Promise<AuthUserRow>;
  /** a pending TOTP secret (enrolment started, not confirmed) */
  setPendingMfa(id: number, sealedSecret: string): Promise<void>;
  /** MFA on, with the hashes of fresh recovery codes */
  enableMfa(id: number, recoveryCodeHashes: string[], step: number): Promise<void>;
  disableMfa(id: number): Promise<void>;
  /** records an accepted TOTP step; false when it is not newer than the last one (a replayed code) */
  acceptStep(id: number, step: number): Promise<boolean>;
  /** removes a recovery code; false when it was not (or no longer) there */
  useRecoveryCode(id: number, codeHash: string): Promise<boolean>;
}

const COLUMNS = 'id::int AS id, username, password_hash, role, cameras, disabled, mfa_enabled, mfa_secret, mfa_last_step::float8 AS mfa_last_step, recovery_codes';

export function authUserRepo(store: Store): AuthUserRepo {
  const one = async (where: string, value: unknown): Promise<AuthUserRow | null> =>
    (await store.query<AuthUserRow>(`SELECT ${COLUMNS} FROM users WHERE ${where} = $1`, [value])).rows[0] ?? null;
  const update = async (id: number, set: string, params: unknown[]): Promise<number> =>
    (await store.query(`UPDATE users SET ${set}, updated_at = now() WHERE id = $1`, [id, ...params])).affectedRows ?? 0;
  return {
    byName: (username) => one('username', username),
    byId: (id) => one('id', id),
    async count() {
      return (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;
    },
    async create(u) {
      const { rows } = await store.query<AuthUserRow>(
        `INSERT INTO users (username, password_hash, role, cameras) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [u.username, u.passwordHash, u.role, u.cameras ?? null],
      );
      return rows[0]!;
    },
    async setPendingMfa(id, sealed) {
      await update(id, 'mfa_secret = $2, mfa_enabled = false', [sealed]);
    },
    async enableMfa(id, hashes, step) {
      await update(id, 'mfa_enabled = true, recovery_codes = $2, mfa_last_step = $3', [hashes, step]);
    },
    async disableMfa(id) {
      await update(id, `mfa_enabled = false, mfa_secret = NULL, mfa_last_step = NULL, recovery_codes = '{}'`, []);
    },
    async acceptStep(id, step) {
      const { rows } = await store.query(
        'UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2) RETURNING id', [id, step],
      );
      return rows.length === 1;
    },
    async useRecoveryCode(id, hash) {
      const { rows } = await store.query(
        'UPDATE users SET recovery_codes = array_remove(recovery_codes, $2), updated_at = now() WHERE id = $1 AND $2 = ANY(recovery_codes) RETURNING id', [id, hash],
      );
      return rows.length === 1;
    },
  };
}
