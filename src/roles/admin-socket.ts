import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { UseCaseError, type Failure } from '../core/errors.ts';
import { cliActor, type AdminCommands } from './admin-commands.ts';
import type { RunningRole } from './context.ts';

/**
 * The local admin socket: while Vigil runs it holds the database (two processes must never open
 * the data dir), so `vigil users …` and `vigil apikeys …` reach it here. A unix socket in a
 * directory only the owner may enter (0700; the socket itself 0600): whoever connects is the
 * account Vigil runs as, and acts as `cli:<account>`. Newline-delimited JSON, one request per line:
 *   → {"id": 1, "command": "users.add", "params": {…}}
 *   ← {"id": 1, "ok": true, "result": …} | {"id": 1, "ok": false, "error": {"code": "conflict", "message": "…"}}
 */

/** sun_path holds 108 bytes with the terminating NUL */
const MAX_SOCKET_PATH_BYTES = 107;
/** a request is a few fields; a longer line is refused and the connection closed */
const MAX_LINE_BYTES = 64 * 1024;

export type AdminErrorCode = Failure | 'internal';

export interface AdminRequest {
  id: number;
  command: string;
  params?: unknown;
}

export type AdminResponse = { id: number | null; ok: true; result: unknown } | { id: number | null; ok: false; error: { code: AdminErrorCode; message: string } };

export class AdminSocketError extends Error {}

export function adminSocketPath(loaded: LoadedConfig): string {
  const configured = loaded.config.api.admin_socket;
  return configured ? path.resolve(loaded.paths.dataDir, configured) : path.join(loaded.paths.dataDir, 'admin', 'admin.sock');
}

function checkPathLength(socketPath: string): void {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new AdminSocketError(`admin socket path ${socketPath} is ${bytes} bytes; unix sockets allow ${MAX_SOCKET_PATH_BYTES}: set api.admin_socket to a shorter path`);
  }
}

/** The socket's directory, made private: created 0700, or tightened to 0700 when it is ours, refused when it is not. */
function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new AdminSocketError(`admin socket directory ${dir} belongs to user ${st.uid}, not to this process (${process.getuid()}): anyone owning it could intercept admin commands`);
  }
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
}

const answers = (socketPath: string): Promise<boolean> => new Promise((resolve) => {
  const c = net.connect(socketPath);
  c.once('connect', () => {
    c.destroy();
    resolve(true);
  });
  c.once('error', () => resolve(false));
});

async function handleLine(line: string, registry: AdminCommands, log: Logger): Promise<AdminResponse> {
  let req: AdminRequest;
  try {
    req = JSON.parse(line) as AdminRequest;
  } catch {
    return { id: null, ok: false, error: { code: 'invalid', message: 'each line must be one JSON request {"id", "command", "params"}' } };
  }
  const id = typeof req?.id === 'number' ? req.id : null;
  if (typeof req?.command !== 'string') return { id, ok: false, error: { code: 'invalid', message: "a request names its 'command'" } };
  const actor = cliActor();
  try {
    const result = await registry.run(req.command, req.params, actor);
    log.info({ command: req.command, actor: actor.name }, 'admin command done');
    return { id, ok: true, result };
  } catch (e) {
    if (e instanceof UseCaseError) {
      log.info({ command: req.command, actor: actor.name, reason: e.message }, 'admin command refused');
      return { id, ok: false, error: { code: e.failure, message: e.message } };
    }
    // parameters are never logged: they can hold a password
    log.error({ err: e, command: req.command }, 'admin command failed');
    return { id, ok: false, error: { code: 'internal', message: 'internal error; see the Vigil log' } };
  }
}

function serve(socket: net.Socket, registry: AdminCommands, log: Logger): void {
  socket.on('error', () => socket.destroy());
  // a character split between two chunks stays whole
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let queue = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    if (Buffer.byteLength(pending) > MAX_LINE_BYTES && !pending.includes('\n')) {
      socket.end(`${JSON.stringify({ id: null, ok: false, error: { code: 'invalid', message: `a request line is longer than ${MAX_LINE_BYTES} bytes` } })}\n`);
      socket.destroy();
      return;
    }
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      // in order: a script's second command may depend on its first
      queue = queue.then(async () => {
        const res = await handleLine(line, registry, log);
        if (!socket.destroyed) socket.write(`${JSON.stringify(res)}\n`);
      });
    }
  });
}

/**
 * Listens on the admin socket. A socket file left by a process that died is replaced; one that
 * answers belongs to another live Vigil and is refused.
 */
export async function startAdminSocket(socketPath: string, registry: AdminCommands, log: Logger): Promise<RunningRole> {
  checkPathLength(socketPath);
  privateDir(path.dirname(socketPath));
  if (fs.existsSync(socketPath)) {
    if (await answers(socketPath)) throw new AdminSocketError(`another process already serves the admin socket ${socketPath}`);
    fs.rmSync(socketPath, { force: true });
  }
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serve(socket, registry, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // the directory already keeps others out; the mode says the same to anyone looking
  fs.chmodSync(socketPath, 0o600);
  log.info({ socket: socketPath, commands: registry.names() }, 'admin socket listening');
  return {
    name: 'admin-socket',
    stop: async () => {
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    },
  };
}

/** Nothing listens there (no file, or a file a dead process left): the caller may open the database itself. */
export class AdminSocketAbsentError extends Error {}

/**
 * Sends one command to a running Vigil's admin socket and returns its result; its refusal is
 * thrown as the UseCaseError it was. AdminSocketAbsentError when no Vigil listens there.
 */
export async function callAdminSocket(socketPath: string, command: string, params: unknown): Promise<unknown> {
  checkPathLength(socketPath);
  const socket = net.connect(socketPath);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? new AdminSocketAbsentError(`nothing listens on ${socketPath}`) : e);
      });
    });
    socket.write(`${JSON.stringify({ id: 1, command, params } satisfies AdminRequest)}\n`);
    const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
    for await (const line of lines) {
      const res = JSON.parse(line) as AdminResponse;
      if (res.ok) return res.result;
      if (res.error.code === 'internal') throw new Error(res.error.message);
      throw new UseCaseError(res.error.code, res.error.message);
    }
    throw new Error(`the admin socket ${socketPath} closed without an answer`);
  } finally {
    socket.destroy();
  }
}
