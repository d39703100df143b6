import os from 'node:os';
import { z } from 'zod';
import type { Actor } from '../api/contract/actor.ts';
import { createApiKeyBody } from '../api/contract/api-keys.ts';
import { createUserBody, username } from '../api/contract/users.ts';
import { parseWith } from '../auth/access.ts';
import { apiKeyService, type RouteProblem } from '../auth/api-keys.ts';
import { endSessionsOf, userService } from '../auth/users.ts';
import type { AuditOutcome } from '../api/contract/audit.ts';
import type { RecordAudit } from '../audit/record.ts';
import { UseCaseError } from '../core/errors.ts';
import type { Repositories } from '../store/repositories/types.ts';

/**
 * Administration from the command line, run by whichever process holds the database: the running
 * Vigil (through its admin socket) or, when none runs, the command line itself. One registry of
 * named commands, each with a zod schema for its parameters and a function returning JSON, so
 * other commands (audit verification, key rotation) join with `registry.add(…)`.
 */
export interface AdminCommand<P extends z.ZodType = z.ZodType> {
  /** `<area>.<verb>`, e.g. `users.add` */
  name: string;
  params: P;
  run(params: z.infer<P>, actor: Actor): Promise<unknown>;
}

export class AdminCommands {
  private readonly commands = new Map<string, AdminCommand>();

  /** `audit`: where each command's row goes (every state change is audited, from the command line too) */
  constructor(private readonly audit?: RecordAudit) {}

  add<P extends z.ZodType>(command: AdminCommand<P>): this {
    if (this.commands.has(command.name)) throw new Error(`admin command '${command.name}' is registered twice`);
    this.commands.set(command.name, command as unknown as AdminCommand);
    return this;
  }

  names(): string[] {
    return [...this.commands.keys()].sort();
  }

  /** Runs a command; an unknown command or bad parameters are 'invalid', naming them. */
  async run(name: string, params: unknown, actor: Actor): Promise<unknown> {
    const command = this.commands.get(name);
    if (!command) throw new UseCaseError('invalid', `no admin command '${name}' (known: ${this.names().join(', ')})`);
    const record = (outcome: AuditOutcome, reason?: string) =>
      this.audit?.({ actor, ip: null, action: `cli ${name}`, resource: `cli/${name}`, outcome, status: null, details: reason ? { reason } : {} });
    try {
      const result = await command.run(parseWith(command.params, params ?? {}), actor);
      await record('ok');
      return result;
    } catch (e) {
      // parameters are never recorded: they can hold a password
      await record(e instanceof UseCaseError ? (e.failure === 'forbidden' ? 'denied' : 'failed') : 'error', e instanceof Error ? e.message : undefined);
      throw e;
    }
  }
}

/**
 * Who acts when an administrator uses the command line: an admin named after the operating-system
 * account (only that account can reach the socket or the data dir). Usernames cannot contain ':',
 * so `cli:<account>` is never mistaken for a person's account in audit rows.
 */
export function cliActor(): Actor {
  return { kind: 'user', id: 0, name: `cli:${os.userInfo().username}`, role: 'admin', cameras: null, routes: null };
}

export interface AccountCommandDeps {
  repos: Repositories;
  /** camera ids accounts and keys may be scoped to */
  knownCameras: () => Promise<readonly string[]>;
  /** why a route cannot be granted to a key of a role (when the API's routes are known) */
  routeProblem?: RouteProblem;
}

const none = z.object({}).strict();

/** users.add, users.list, users.reset-mfa, apikeys.create, apikeys.list, apikeys.revoke */
export function addAccountCommands(registry: AdminCommands, deps: AccountCommandDeps): AdminCommands {
  const users = userService({ users: deps.repos.users, knownCameras: deps.knownCameras, onAccountChanged: endSessionsOf(deps.repos) });
  const keys = apiKeyService({ keys: deps.repos.apiKeys, knownCameras: deps.knownCameras, routeProblem: deps.routeProblem });
  return registry
    .add({ name: 'users.add', params: createUserBody, run: (p, actor) => users.create(actor, p) })
    .add({ name: 'users.list', params: none, run: async (_p, actor) => ({ items: await users.list(actor) }) })
    .add({ name: 'users.reset-mfa', params: z.object({ username }).strict(), run: (p, actor) => users.resetMfa(actor, p.username) })
    .add({ name: 'apikeys.create', params: createApiKeyBody, run: (p, actor) => keys.create(actor, p) })
    .add({ name: 'apikeys.list', params: none, run: async (_p, actor) => ({ items: await keys.list(actor) }) })
    .add({
      name: 'apikeys.revoke', params: z.object({ key: z.union([z.number().int().positive(), z.string().min(1).max(64)]) }).strict(),
      run: (p, actor) => keys.revoke(actor, p.key),
    });
}
