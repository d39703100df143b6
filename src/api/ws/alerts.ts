import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { CameraStatusSource } from '../../core/camera-status.ts';
import type { Logger } from '../../core/log.ts';
import { metrics } from '../../core/metrics.ts';
import { redact } from '../../core/redact.ts';
import { addRoute, authoriseUpgrade, badRequest, HttpError, notFound, parseInput } from '../route.ts';
import type { Actor } from '../contract/actor.ts';
import { toHttpError } from '../errors.ts';
import type { HostPolicy } from '../security/hosts.ts';
import { AlertFeed, type AlertChangeSource } from './alert-feed.ts';
import type { CameraSource } from '../../config/live-cameras.ts';

export const ALERTS_PATH = '/ws/alerts';

export interface AlertSocketOptions {
  changes: AlertChangeSource;
  maxClients: number;
  /** browser origins allowed besides the API's own (exact scheme://host:port) */
  allowedOrigins: readonly string[];
  maxBufferedBytes: number;
  heartbeatMs: number;
  pollMs?: number;
  /** how often a connected client's credentials are checked again (a revoked session, a revoked API key) */
  recheckMs?: number;
  /**
   * follows announcements that alert changes were committed, by any process (a shared cache's
   * channel): the feed reads them at once rather than at its next poll, which stays as the net
   * under a lost announcement; resolves to the function that stops following
   */
  announcements?: (wake: () => void) => Promise<() => Promise<void>>;
}

export interface AlertSocketDeps {
  /** absent: no alert store in this process, no /ws/alerts */
  alertSocket?: AlertSocketOptions;
  cameras: Pick<CameraSource, 'ids'>;
  status: CameraStatusSource;
  log: Logger;
}

const sinceQuery = z.object({
  since: z.coerce.number().int().min(0).optional().describe('resume: first replay every alert change after this seq (the last one the client saw)'),
}).strict();

// Clients only listen; anything they send is at most a small control message.
const MAX_CLIENT_MESSAGE_BYTES = 4096;
const SHUTDOWN_GRACE_MS = 1000;

/**
 * `GET /ws/alerts?since=<seq>`: frames `{type:'hello', seq}`, the current `{type:'camera_status', …}`
 * of each camera, the replay of alert changes after `since`, then live `{type:'alert', seq, change, alert}`
 * and camera status changes. Bad requests are refused before the upgrade with the API's JSON errors.
 * Browsers do not apply the same-origin policy to WebSockets, so a page from another origin is refused
 * (403) unless listed, and so is a Host that is not ours (DNS rebinding: the page's own origin then
 * matches the Host it sends, so comparing the two proves nothing): the browser sends the session
 * cookie with the upgrade, and this keeps a web page the operator happens to open from reading alerts.
 */
export function alertSocketRoutes(app: FastifyInstance, deps: AlertSocketDeps, hosts: HostPolicy): void {
  const opts = deps.alertSocket;
  if (!opts) return;
  // the API's logger: its component is already `api`
  const log = deps.log;
  const feed = new AlertFeed({
    source: opts.changes, cameraIds: () => deps.cameras.ids(), status: deps.status,
    maxBufferedBytes: opts.maxBufferedBytes, pollMs: opts.pollMs, log,
  });
  const announced = opts.announcements?.(() => void feed.tick()).catch((err: unknown) => {
    log.warn({ err }, 'alert change announcements not followed: /ws/alerts sees changes of other processes at its polls only');
    return undefined;
  });
  const allowedOrigins = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const heartbeat = new Heartbeat(wss, opts.heartbeatMs);
  let upgrading = 0;

  // Plain HTTP on the path explains itself, and puts the endpoint and its parameter in the OpenAPI document.
  addRoute(app, {
    method: 'GET', url: ALERTS_PATH, permission: 'alerts:read', tag: 'alerts', query: sinceQuery, errors: [426, 503],
    summary: 'WebSocket: hello {seq}, camera_status frames, alert changes after `since` in seq order, then live ones (resume with the last seq seen)',
    handler: async () => { throw new HttpError(426, 'upgrade_required', `${ALERTS_PATH} is a WebSocket endpoint: connect with Upgrade: websocket`); },
  });

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== ALERTS_PATH) throw notFound(`no WebSocket endpoint ${url.pathname}`);
    hosts.assertHost(req.headers.host);
    checkOrigin(req.headers.origin, req.headers.host, hosts, allowedOrigins);
    // before any message: a client learns nothing, not even the head seq, without credentials
    const actor = await authoriseUpgrade(app, 'alerts:read', ALERTS_PATH, req);
    const { since } = parseInput(sinceQuery, Object.fromEntries(url.searchParams), 'query');
    if (feed.size + upgrading >= opts.maxClients) throw new HttpError(503, 'too_many_clients', `${opts.maxClients} WebSocket clients already connected (api.ws.max_clients); retry later`);
    upgrading++;
    let latest: number;
    try {
      latest = await feed.head();
    } catch (err) {
      log.warn({ err }, 'cannot read the latest alert change for a new client');
      throw new HttpError(503, 'store_unavailable', 'alert store unavailable; retry later');
    } finally {
      upgrading--;
    }
    if (since !== undefined && since > latest) throw badRequest(`since ${since} is ahead of the latest alert change (${latest}): reconnect without since`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.apiRequests.inc({ status: '101', path: ALERTS_PATH });
      ws.on('error', (err) => log.debug({ err }, 'WebSocket client error'));
      ws.on('close', feed.attach(ws, latest, since, actor.cameras));
      ws.on('close', dropWhenCredentialsEnd(ws, actor, () => authoriseUpgrade(app, 'alerts:read', ALERTS_PATH, req), opts.recheckMs ?? DEFAULT_RECHECK_MS));
      feed.start();
      heartbeat.watch(ws);
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    accept(req, socket, head).catch((err: unknown) => refuse(socket, err, log));
  };
  app.server.on('upgrade', onUpgrade);

  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
    heartbeat.stop();
    await (await announced)?.();
    feed.stop();
    await closedWithin(wss, SHUTDOWN_GRACE_MS);
    wss.close();
  });
}

const DEFAULT_RECHECK_MS = 10_000;
/** RFC 6455 leaves 4000-4999 to applications: the client should sign in again, then reconnect with `since` */
export const CLOSE_CREDENTIALS_ENDED = 4001;

/**
 * A socket outlives the token it opened with: it is closed when that token expires, and when the
 * credentials stop being accepted (session revoked, user disabled, API key revoked), checked every
 * `recheckMs`. Returns what stops the watch when the socket closes.
 */
function dropWhenCredentialsEnd(ws: WebSocket, actor: Actor, reauthorise: () => Promise<unknown>, recheckMs: number): () => void {
  const close = (why: string) => ws.close(CLOSE_CREDENTIALS_ENDED, why);
  const expiry = actor.expiresAt && setTimeout(() => close('token expired: sign in again and reconnect'), Math.max(0, actor.expiresAt.getTime() - Date.now()));
  const recheck = setInterval(() => {
    reauthorise().catch((err: unknown) => {
      // only a refusal ends the socket; a store that is briefly unreachable does not
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) close(`credentials no longer accepted: ${err.message}`.slice(0, 120));
    });
  }, recheckMs);
  return () => {
    clearTimeout(expiry || undefined);
    clearInterval(recheck);
  };
}

function checkOrigin(origin: string | undefined, host: string | undefined, hosts: HostPolicy, allowed: ReadonlySet<string>): void {
  if (origin === undefined) return; // not a browser: the same trust as any HTTP client of the API
  if (hosts.isOurOrigin(origin, host) || allowed.has(originOf(origin))) return;
  throw new HttpError(403, 'forbidden_origin', `origin ${origin} may not open ${ALERTS_PATH}: only pages served by this API or origins listed in api.ws.allowed_origins`);
}

function originOf(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/** An HTTP error response on the raw socket, before any upgrade. */
function refuse(socket: Duplex, err: unknown, log: Logger): void {
  const known = toHttpError(err);
  const e = known ?? new HttpError(500, 'internal', 'internal error; see the server log');
  if (!known) log.error({ err }, 'WebSocket upgrade failed');
  metrics.apiRequests.inc({ status: String(e.status), path: e.status === 404 ? 'unmatched' : ALERTS_PATH });
  const body = JSON.stringify({ error: e.code, message: redact(e.message) });
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Pings every client each interval; one that has not answered the previous ping is dropped. */
class Heartbeat {
  private readonly awaitingPong = new WeakSet<WebSocket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly wss: WebSocketServer, private readonly intervalMs: number) {}

  watch(ws: WebSocket): void {
    ws.on('pong', () => this.awaitingPong.delete(ws));
    this.timer ??= setInterval(() => this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (this.awaitingPong.has(ws)) {
        ws.terminate();
        continue;
      }
      this.awaitingPong.add(ws);
      ws.ping();
    }
  }
}

/** Waits for clients to answer the close frames, then cuts whoever has not. */
async function closedWithin(wss: WebSocketServer, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const ws of wss.clients) ws.terminate();
}
