import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { addAuditDetails, auditHooks, noteActor } from './audit-hook.ts';
import { actorMay, actorSeesCamera, type Actor } from './contract/actor.ts';
import { ACCESS_COOKIE } from './contract/auth.ts';
import { roleAllows, type Permission, type Role, type RouteAccess } from './contract/permissions.ts';
import { isStorableText } from './contract/types.ts';

/** Resolves who sent a request (null = no credentials); invalid credentials throw a 401 HttpError naming why. */
export type Authenticate = (req: FastifyRequest) => Promise<Actor | null>;

/**
 * Routes are declared with zod schemas for params, query and body, and the permission a caller
 * needs. The same declaration authenticates and authorises (deny by default: a route without a
 * permission is refused at start-up), validates requests (unknown keys → 400 naming them) and
 * generates the OpenAPI document.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, A extends RouteAccess = RouteAccess> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';
  url: string;
  summary: string;
  tag: string;
  /** what the caller must be allowed to do; `public` only for routes that must work before signing in */
  permission: A;
  params?: P;
  query?: Q;
  /** the JSON body (routes consuming JSON only); a mismatch is a 400 naming each bad field */
  body?: B;
  /**
   * Media types of the request body this route reads (default: JSON only). Any other type is
   * refused with 415 before its bytes are read, so a 10 MB photo sent to a JSON route is never
   * buffered or parsed there.
   */
  consumes?: readonly string[];
  /** larger bodies are refused with 413 from their Content-Length, unread (default 64 KiB) */
  maxBodyBytes?: number;
  /** content type of a success response (default application/json) */
  produces?: string;
  /** other content types a success may have, picked by the request (a report as CSV or PDF): documented as binary downloads */
  alsoProduces?: readonly string[];
  /** the JSON a success returns: documented in OpenAPI and checked by the compiler against the handler, not at run time */
  response?: R;
  /**
   * A read that is audited like a state change (face search, exports, clips: privacy-relevant);
   * with `query`, those query parameters (e.g. an export's from/to) go into the audit row.
   * Calls of other methods, and every 401/403, are audited whatever this says.
   */
  audited?: boolean | { query: readonly (keyof z.infer<Q> & string)[] };
  /** the action named in audit rows (default "METHOD /url/template") */
  action?: string;
  /** the status of a success when not 200 (documented in OpenAPI; the handler sets it) */
  status?: 201 | 202 | 204;
  /** failures this route reports beyond those every route can (400, 401, 403, 404 with path parameters, 413/415 with a body, 429) */
  errors?: readonly (404 | 405 | 409 | 422 | 426 | 503)[];
  handler: (input: {
    params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>;
    /** the authenticated caller; null only on public routes called without credentials */
    actor: A extends 'public' ? Actor | null : Actor;
    req: FastifyRequest; reply: FastifyReply;
  }) => Promise<z.input<R>>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', what);
export const unauthenticated = (why: string): HttpError => new HttpError(401, 'unauthenticated', why);
export const forbidden = (why: string): HttpError => new HttpError(403, 'forbidden', why);
export const badRequest = (why: string): HttpError => new HttpError(400, 'bad_request', why);


/** Error messages name what was wrong but stay small whatever was sent (a body can hold millions of keys). */
const MAX_LISTED = 5;
const MAX_MESSAGE_CHARS = 1000;

export function boundedList(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).map((k) => `'${k.slice(0, 64)}'`).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

export function boundedMessage(parts: readonly string[]): string {
  const text = parts.slice(0, MAX_LISTED).join('; ') + (parts.length > MAX_LISTED ? `; and ${parts.length - MAX_LISTED} more problems` : '');
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

export function describeIssues(where: string, error: z.ZodError): string {
  return boundedMessage(error.issues.map((i) => {
    const noun = where === 'body' ? 'field' : 'parameter';
    if (i.code === 'unrecognized_keys') return `unknown ${where} ${noun}${i.keys.length > 1 ? 's' : ''} ${boundedList(i.keys)}`;
    return `${where} ${noun} '${i.path.join('.') || `(${where})`}': ${i.message}`;
  }));
}

/** Validates request input against its schema; a mismatch is a 400 naming each bad parameter. */
export function parseInput<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return {} as z.infer<T>;
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw badRequest(describeIssues(where, r.error));
  return r.data;
}

/** 400 when a time filter's `from` is after its `to` (either may be absent). */
export function checkTimeOrder(q: { from?: Date; to?: Date }): void {
  if (q.from && q.to && q.from > q.to) throw badRequest(`query parameter 'from' (${q.from.toISOString()}) is after 'to' (${q.to.toISOString()})`);
}

type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType, RouteAccess>;
const routesByApp = new WeakMap<FastifyInstance, AnyRoute[]>();
const authenticators = new WeakMap<FastifyInstance, Authenticate>();

/** Installs how requests to `app` are authenticated; must precede the first addRoute. */
export function useAuthenticator(app: FastifyInstance, authenticate: Authenticate): void {
  authenticators.set(app, authenticate);
}

/** Every route registered on `app`, as declared (the OpenAPI document and the route × role test walk them). */
export const registeredRoutes = (app: FastifyInstance): readonly AnyRoute[] => routesByApp.get(app) ?? [];

/**
 * Who sent a WebSocket upgrade (not a route of the app): the same credentials (bearer token, API
 * key, session cookie with the CSRF rules, media token) and the same permission check as a route
 * at `url` would apply.
 */
export async function authoriseUpgrade(app: FastifyInstance, permission: Permission, url: string, req: IncomingMessage): Promise<Actor> {
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://upgrade').searchParams);
  const asRequest = { headers: req.headers, method: 'GET', url: req.url ?? url, query, ip: req.socket.remoteAddress ?? '' } as unknown as FastifyRequest;
  return (await authorise(app, { permission, method: 'GET', url } as AnyRoute, asRequest))!;
}

async function authorise(app: FastifyInstance, spec: Pick<AnyRoute, 'permission' | 'method' | 'url'>, req: FastifyRequest): Promise<Actor | null> {
  const authenticate = authenticators.get(app);
  if (!authenticate) throw new Error(`no authenticator installed before ${spec.method} ${spec.url}`);
  // a public route (sign-in itself) must work whatever stale credentials the browser still sends
  const actor = spec.permission === 'public'
    ? await authenticate(req).catch((e: unknown) => { if (e instanceof HttpError) return null; throw e; })
    : await authenticate(req);
  noteActor(req, actor);
  if (spec.permission === 'public') return actor;
  if (!actor) throw unauthenticated('sign in first: send a bearer token, the session cookie or an X-API-Key header');
  if (!actorMay(actor, spec.permission)) throw forbidden(`the ${actor.role} role may not ${spec.permission.replace(':', ' ')}`);
  if (actor.routes && !actor.routes.includes(`${spec.method} ${spec.url}`)) throw forbidden(`this API key may not call ${spec.method} ${spec.url}`);
  return actor;
}

/**
 * Why `route` ("GET /api/v1/events") cannot be granted to a credential of `role`: no route of
 * `app` has that method and template, or the role may not call it. null when it can.
 */
export function routeProblem(app: FastifyInstance, route: string, role: Role): string | null {
  const spec = registeredRoutes(app).find((r) => `${r.method} ${r.url}` === route);
  if (!spec) return `no route ${route}`;
  if (spec.permission !== 'public' && !roleAllows(role, spec.permission)) return `the ${role} role may not call ${route}`;
  return null;
}

/** `?token=` authenticated the request (a signed media URL): it is not one of the route's parameters */
function withoutMediaToken(req: FastifyRequest): unknown {
  if (req.authVia !== 'media_token') return req.query;
  const { token: _token, ...rest } = req.query as Record<string, unknown>;
  return rest;
}

/**
 * A route about one camera (`:cameraId`, or `/api/v1/cameras/:id…`) answers an actor scoped to
 * other cameras as if that camera did not exist: its streams, recordings and exports stay hidden.
 */
function refuseOtherCameras(url: string, params: unknown, actor: Actor | null): void {
  if (!actor?.cameras) return;
  const p = (params ?? {}) as Record<string, unknown>;
  const camera = typeof p.cameraId === 'string' ? p.cameraId : url.startsWith('/api/v1/cameras/:id') && typeof p.id === 'string' ? p.id : undefined;
  if (camera !== undefined && !actorSeesCamera(actor, camera)) throw notFound(`no camera with id '${camera.slice(0, 64)}'`);
}

const JSON_TYPE = 'application/json';
/** A JSON body of any route here is a few fields; 64 KiB leaves room and bounds the parse. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * JSON bodies are parsed here rather than by Fastify's default parser so that a string PostgreSQL
 * cannot store (an escaped lone surrogate such as "\ud800", or a NUL) is a 400 naming the field,
 * whatever the route's schema: JSON.parse itself accepts both.
 */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser(JSON_TYPE);
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (_req, raw, done) => {
    const text = raw as string;
    if (!text.trim()) return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text, (key, v: unknown) => {
        // prototype poisoning: refused as Fastify's own parser does (no route has such a field)
        if (key === '__proto__' || key === 'constructor') throw new UnstorableTextError(key, 'is a forbidden key');
        if (!isStorableText(key) || (typeof v === 'string' && !isStorableText(v))) throw new UnstorableTextError(key, 'holds a NUL byte or an unpaired UTF-16 surrogate');
        return v;
      });
    } catch (e) {
      if (e instanceof UnstorableTextError) return done(badRequest(`body field '${e.field.slice(0, 64)}' ${e.message}`), undefined);
      return done(badRequest(`the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
    return done(null, value);
  });
}

class UnstorableTextError extends Error {
  constructor(readonly field: string, why: string) {
    super(why);
  }
}

export function mediaType(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

const hasBody = (req: FastifyRequest): boolean =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/** 415 naming what the route takes, 413 over its limit: before Fastify reads or parses a body it has no use for. */
function refuseUnusableBodies(accepted: readonly string[], maxBytes: number) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!hasBody(req)) return;
    const type = mediaType(req.headers['content-type']);
    if (!type || !accepted.includes(type)) {
      throw new HttpError(415, 'unsupported_media_type', `this route takes a body of type ${accepted.join(', ')} (got ${type ?? 'no content type'})`);
    }
    const length = Number(req.headers['content-length']);
    if (length > maxBytes) throw new HttpError(413, 'too_large', `the body is ${length} bytes; this route takes at most ${maxBytes} bytes`);
  };
}

export function addRoute<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, A extends RouteAccess = RouteAccess>(
  app: FastifyInstance, spec: RouteSpec<P, Q, R, B, A>,
): void {
  if (!spec.permission) throw new Error(`${spec.method} ${spec.url} declares no permission; every route must say who may call it`);
  const list = routesByApp.get(app) ?? [];
  list.push(spec as unknown as AnyRoute);
  routesByApp.set(app, list);
  const maxBytes = spec.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const audit = auditHooks(app, spec);
  const auditedQuery = typeof spec.audited === 'object' ? spec.audited.query : [];
  app.route({
    method: spec.method,
    url: spec.url,
    onRequest: refuseUnusableBodies(spec.consumes ?? [JSON_TYPE], maxBytes),
    // a chunked body has no Content-Length to check up front: the parser stops at the same limit
    bodyLimit: maxBytes,
    onError: audit.onError,
    onSend: audit.onSend,
    handler: async (req, reply) => {
      const actor = await authorise(app, spec as unknown as AnyRoute, req);
      refuseOtherCameras(spec.url, req.params, actor);
      const params = parseInput(spec.params, req.params, 'path');
      const query = parseInput(spec.query, withoutMediaToken(req), 'query');
      if (auditedQuery.length) addAuditDetails(req, Object.fromEntries(auditedQuery.map((k) => [k, (query as Record<string, unknown>)[k]])));
      const body = parseInput(spec.body, req.body, 'body');
      return spec.handler({ params, query, body, actor: actor as Actor, req, reply });
    },
  });
}

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: location, required: location === 'path' || (json.required ?? []).includes(name), description: s.description, schema: s,
  }));
}

/** JSON Schema of a zod schema as it travels: Dates are ISO 8601 strings on the wire. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io, unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema instanceof z.ZodDate) Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as Record<string, unknown>;
}

const ERROR_BODY = {
  type: 'object', required: ['error', 'message'], additionalProperties: false,
  properties: { error: { type: 'string', description: 'machine-readable code, e.g. not_found' }, message: { type: 'string', description: 'the cause, for people' } },
};
const problem = (description: string) => ({ description, content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/Error' } } } });

/** Every way a call can fail, by status; a route lists those that apply to it. */
const FAILURES: Record<number, string> = {
  400: 'Invalid input: `message` names each bad parameter or field',
  401: 'No credentials, or credentials that are invalid or expired',
  403: 'The caller\'s role or API key may not call this route',
  404: 'No such resource, or one the caller may not see',
  409: 'The resource\'s state does not allow this change',
  413: 'Body too large',
  405: 'Method not supported on this resource (see Allow)',
  415: 'Body of a type this route does not take',
  422: 'Well-formed input the route cannot act on',
  426: 'A WebSocket endpoint called without Upgrade',
  429: 'Too many requests: retry after the Retry-After header',
  503: 'Temporarily unavailable: `message` says why',
};

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'access token from POST /api/v1/auth/login (RS256)' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key of a machine (edge gateway, integration)' },
  session: { type: 'apiKey', in: 'cookie', name: ACCESS_COOKIE, description: 'the browser session cookie (state changes also need the CSRF header)' },
};
const SIGNED_IN = [{ bearer: [] }, { apiKey: [] }, { session: [] }];

/** A YAML document is a mapping once parsed (as clients read it); other media are bytes. */
const mediaSchema = (type: string) => (type.endsWith('yaml') ? { type: 'object' } : { type: 'string', format: 'binary' });

function responses(r: AnyRoute): Record<string, unknown> {
  const success = r.status ?? 200;
  const produces = r.produces ?? JSON_TYPE;
  const body = produces === JSON_TYPE ? (r.response ? { schema: jsonSchema(r.response, 'output') } : {}) : { schema: mediaSchema(produces) };
  const statuses = new Set([400, 429, ...(r.errors ?? [])]);
  if (r.permission !== 'public') [401, 403].forEach((s) => statuses.add(s));
  if (r.params) statuses.add(404);
  if (r.method !== 'GET' && r.method !== 'DELETE') [413, 415].forEach((s) => statuses.add(s));
  return {
    [success]: success === 204 ? { description: 'Done' } : {
      description: 'OK',
      content: { [produces]: body, ...Object.fromEntries((r.alsoProduces ?? []).map((t) => [t, { schema: mediaSchema(t) }])) },
    },
    ...Object.fromEntries([...statuses].sort().map((s) => [s, problem(FAILURES[s] ?? 'Error')])),
  };
}

function requestBody(r: AnyRoute): Record<string, unknown> | undefined {
  if (r.body) {
    const schema = jsonSchema(r.body, 'input');
    return { required: ((schema.required as string[] | undefined) ?? []).length > 0, content: { [JSON_TYPE]: { schema } } };
  }
  if (!r.consumes) return undefined;
  // raw bodies: a photo, an SDP offer
  return { required: true, content: Object.fromEntries(r.consumes.map((t) => [t, { schema: { type: 'string', ...(t.startsWith('application/') ? {} : { format: 'binary' }) } }])) };
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, unknown>;
  components: Record<string, unknown>;
}

/** OpenAPI 3.1 document of every route registered on `app`. */
export function openApiDocument(app: FastifyInstance): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routesByApp.get(app) ?? []) {
    const p = (paths[toOpenApiPath(r.url)] ??= {});
    const body = requestBody(r);
    p[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      'x-permission': r.permission,
      security: r.permission === 'public' ? [] : SIGNED_IN,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(body ? { requestBody: body } : {}),
      responses: responses(r),
    };
  }
  return {
    openapi: '3.1.0', info: { title: 'Vigil API', version: '1' }, paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: { Error: ERROR_BODY } },
  };
}
