import type { RouteProblem } from '../auth/api-keys.ts';
import { auditWriter, guardedAuditWriter } from '../audit/record.ts';
import { addAccountCommands, AdminCommands } from './admin-commands.ts';
import { adminSocketPath, startAdminSocket } from './admin-socket.ts';
import type { RoleContext, RunningRole } from './context.ts';

/**
 * The admin commands of a running Vigil on its admin socket. Without the socket Vigil still
 * records and serves (an admin convenience must not stop surveillance), so a failure to listen is
 * logged, and the command line then says the database is in use by this process.
 */
export async function startAdmin(ctx: RoleContext, opts: { routeProblem?: RouteProblem } = {}): Promise<RunningRole | undefined> {
  const log = ctx.log.child({ component: 'admin-socket' });
  const registry = addAccountCommands(new AdminCommands(guardedAuditWriter(auditWriter(ctx.store), { log, health: ctx.health })), {
    repos: ctx.repos, knownCameras: async () => ctx.cameras.ids(), routeProblem: opts.routeProblem,
  });
  const socketPath = adminSocketPath(ctx.loaded);
  try {
    return await startAdminSocket(socketPath, registry, log);
  } catch (err) {
    log.error({ err, socket: socketPath }, 'admin socket not started: `vigil users` and `vigil apikeys` cannot reach this process');
    return undefined;
  }
}
