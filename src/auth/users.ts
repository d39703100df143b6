import type { Actor } from '../api/contract/actor.ts';
import type { Role } from '../api/contract/permissions.ts';
import { createUserBody, updateUserBody, type User } from '../api/contract/users.ts';
import { UseCaseError } from '../core/errors.ts';
import type { UserQueries, UserRepo, UserRow } from '../store/repositories/users.ts';
import type { SessionRepo } from '../store/repositories/sessions.ts';
import { checkCameras, parseWith, requirePermission } from './access.ts';
import { hashPassword } from './passwords.ts';

/** Names the system itself acts under in audit rows and alert lifecycles: no person may take them. */
const RESERVED_USERNAMES = new Set(['cli', 'system', 'local', 'root']);

export interface UserServiceDeps {
  users: UserRepo;
  /** camera ids an account may be scoped to */
  knownCameras: () => Promise<readonly string[]>;
  /**
   * After a user's password, role, cameras, disabled flag or second factor changed: end their
   * sign-in sessions, whose tokens carry the old role and cameras (and may be held by whoever
   * the change locks out).
   */
  onAccountChanged?: (userId: number, why: string) => Promise<void>;
}

export interface UserService {
  list(actor: Actor): Promise<User[]>;
  byUsername(actor: Actor, username: string): Promise<User>;
  create(actor: Actor, input: unknown): Promise<User>;
  update(actor: Actor, id: number, patch: unknown): Promise<User>;
  remove(actor: Actor, id: number): Promise<void>;
  /** forgets the user's second factor (by username or id), so they enrol again at the next sign-in (a lost phone) */
  resetMfa(actor: Actor, who: string | number): Promise<User>;
}

export const toUser = (r: UserRow): User => ({
  id: r.id, username: r.username, role: r.role as Role, cameras: r.cameras, disabled: r.disabled, mfa_enabled: r.mfa_enabled, created_at: r.created_at.toISOString(),
});

function checkPassword(password: string, username: string): void {
  if (password.trim().toLowerCase() === username) throw new UseCaseError('invalid', 'password: must not be the username');
}

const noUser = (what: string | number) => new UseCaseError('not_found', typeof what === 'number' ? `no user with id ${what}` : `no user named '${what}'`);

/**
 * Refuses a change that would leave no admin who can sign in (Vigil then has no one to manage
 * users or keys; only the command line could repair it). Runs inside the transaction that makes
 * the change, with the admins' rows locked.
 */
async function keepAnAdmin(tx: UserQueries, target: UserRow, losesAdmin: boolean): Promise<void> {
  if (!losesAdmin) return;
  const admins = await tx.lockActiveAdmins();
  if (admins.length === 1 && admins[0] === target.id) {
    throw new UseCaseError('conflict', `'${target.username}' is the last admin who can sign in; make another user admin first`);
  }
}

/** A changed account's sessions end: their tokens carry the old role and cameras. */
export const endSessionsOf = (repos: { sessions: SessionRepo }) => async (userId: number, why: string): Promise<void> => {
  await repos.sessions.revokeAllOfUser(userId, why, new Date());
};

export function userService(deps: UserServiceDeps): UserService {
  const { users } = deps;
  return {
    async list(actor) {
      requirePermission(actor, 'users:manage');
      return (await users.list()).map(toUser);
    },

    async byUsername(actor, username) {
      requirePermission(actor, 'users:manage');
      const row = await users.byUsername(username.trim().toLowerCase());
      if (!row) throw noUser(username);
      return toUser(row);
    },

    async create(actor, input) {
      requirePermission(actor, 'users:manage');
      const body = parseWith(createUserBody, input);
      if (RESERVED_USERNAMES.has(body.username)) throw new UseCaseError('invalid', `username: '${body.username}' is reserved for the system`);
      checkPassword(body.password, body.username);
      await checkCameras(body.cameras, deps.knownCameras);
      const row = await users.insert({ username: body.username, passwordHash: await hashPassword(body.password), role: body.role, cameras: body.cameras ?? null });
      if (!row) throw new UseCaseError('conflict', `username '${body.username}' is taken`);
      return toUser(row);
    },

    async update(actor, id, input) {
      requirePermission(actor, 'users:manage');
      const patch = parseWith(updateUserBody, input);
      await checkCameras(patch.cameras, deps.knownCameras);
      const current = await users.get(id);
      if (!current) throw noUser(id);
      if (patch.password !== undefined) checkPassword(patch.password, current.username);
      // hashed before the transaction: argon2 takes tens of milliseconds and the admins' rows stay locked meanwhile
      const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
      const row = await users.transaction(async (tx) => {
        const target = await tx.get(id);
        if (!target) throw noUser(id);
        const losesAdmin = target.role === 'admin' && !target.disabled && ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
        await keepAnAdmin(tx, target, losesAdmin);
        return tx.update(id, { role: patch.role, passwordHash, cameras: patch.cameras, disabled: patch.disabled });
      });
      if (!row) throw noUser(id);
      await deps.onAccountChanged?.(id, `account changed (${Object.keys(patch).join(', ')})`);
      return toUser(row);
    },

    async remove(actor, id) {
      requirePermission(actor, 'users:manage');
      await users.transaction(async (tx) => {
        const target = await tx.get(id);
        if (!target) throw noUser(id);
        await keepAnAdmin(tx, target, target.role === 'admin' && !target.disabled);
        await tx.remove(id);
      });
    },

    async resetMfa(actor, who) {
      requirePermission(actor, 'users:manage');
      const row = typeof who === 'number' ? await users.get(who) : await users.byUsername(who.trim().toLowerCase());
      if (!row) throw noUser(who);
      await users.resetMfa(row.id);
      await deps.onAccountChanged?.(row.id, 'second factor reset');
      return toUser({ ...row, mfa_enabled: false });
    },
  };
}
