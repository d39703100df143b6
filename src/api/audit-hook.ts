import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RecordAudit } from '../audit/record.ts';
import { redact } from '../core/redact.ts';
import type { Actor } from './contract/actor.ts';
import { outcomeOfStatus } from './contract/audit.ts';

/**
 * The audit trail of the route layer. Every call that can change state (any method but GET/HEAD),
 * every read a route marks `audited` (face search, exports, clips: privacy-relevant), and every
 * refusal (401: no or bad credentials, including failed logins; 403: not allowed) writes one row
 * naming the actor, the client address, the route and the outcome. The row is written before the
 * response leaves, so a client that saw its answer can rely on the row (unless the writer reported
 * loudly that it could not write).
 */
export interface AuditedRoute {
  method: string;
  url: string;
  /** the action name in audit rows; default "METHOD /url/template" */
  action?: string;
  audited?: boolean | { query: readonly string[] };
}

const trails = new WeakMap<FastifyInstance, RecordAudit>();

/** Installs where `app` writes its audit rows; must precede the first addRoute. */
export function useAuditTrail(app: FastifyInstance, record: RecordAudit): void {
  trails.set(app, record);
}

interface RequestAudit {
  actor: Actor | null;
  details: Record<string, unknown>;
  error?: string;
}
const requests = new WeakMap<FastifyRequest, RequestAudit>();

function stateOf(req: FastifyRequest): RequestAudit {
  let s = requests.get(req);
  if (!s) {
    s = { actor: null, details: {} };
    requests.set(req, s);
  }
  return s;
}

/** Who sent the request, once authentication has established it (also when the call is then refused). */
export function noteActor(req: FastifyRequest, actor: Actor | null): void {
  stateOf(req).actor = actor;
}

/** Facts for the request's audit row, e.g. the username a failed login tried. Never a body, never a secret. */
export function addAuditDetails(req: FastifyRequest, details: Record<string, unknown>): void {
  Object.assign(stateOf(req).details, details);
}

const READS = new Set(['GET', 'HEAD']);
// a path is bounded by the router, but a row should stay small whatever arrives
const MAX_RESOURCE_CHARS = 1000;
const MAX_REASON_CHARS = 500;

export function isAudited(route: AuditedRoute, status: number): boolean {
  return !READS.has(route.method) || Boolean(route.audited) || status === 401 || status === 403;
}

/** Route-level hooks that write the audit row of each call to `route` on `app`. */
export function auditHooks(app: FastifyInstance, route: AuditedRoute) {
  const record = trails.get(app);
  if (!record) throw new Error(`no audit trail installed before ${route.method} ${route.url}`);
  const action = route.action ?? `${route.method} ${route.url}`;
  return {
    onError: async (req: FastifyRequest, _reply: FastifyReply, err: Error): Promise<void> => {
      stateOf(req).error = err.message;
    },
    onSend: async <T>(req: FastifyRequest, reply: FastifyReply, payload: T): Promise<T> => {
      const status = reply.statusCode;
      if (!isAudited(route, status)) return payload;
      const s = requests.get(req);
      // why a call was refused or failed; a server error keeps its cause in the server log only
      const reason = s?.error !== undefined && status < 500 ? { reason: redact(s.error).slice(0, MAX_REASON_CHARS) } : {};
      await record({
        actor: s?.actor ?? null, ip: req.ip, action, resource: redact(req.url.split('?')[0]!).slice(0, MAX_RESOURCE_CHARS),
        outcome: outcomeOfStatus(status), status, details: { ...s?.details, ...reason },
      });
      return payload;
    },
  };
}
