import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidCursorError } from '../store/repositories/types.ts';
import { actorMay, actorSeesCamera, type Actor } from './contract/actor.ts';
import type { RouteAccess } from './contract/permissions.ts';

/** Resolves who sent a request (null = no credentials); invalid credentials throw a 401 HttpError naming why. */
export type Authenticate = (req: FastifyRequest) => Promise<Actor | null>;

/**
 * Routes are declared with zod schemas for params, query and body, and the permission a caller
 * needs. The same declaration authenticates and authorises (deny by default: a route without a
 * permission is refused at start-up), validates requests (unknown keys → 400 naming them) and
 * generates the OpenAPI document.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, A extends RouteAccess = RouteAccess> {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD';
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
  /** the JSON a success returns: documented in OpenAPI and checked by the compiler against the handler, not at run time */
  response?: R;
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

/** Runs a cursor-paginated query: a cursor the repository cannot decode is a 400. */
export async function withCursor<T>(page: () => Promise<T>): Promise<T> {
  try {
    return await page();
  } catch (e) {
    if (e instanceof InvalidCursorError) throw badRequest(`query parameter 'cursor' is not a cursor returned by this API`);
    throw e;
  }
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

async function authorise(app: FastifyInstance, spec: AnyRoute, req: FastifyRequest): Promise<Actor | null> {
  const authenticate = authenticators.get(app);
  if (!authenticate) throw new Error(`no authenticator installed before ${spec.method} ${spec.url}`);
  // a public route (sign-in itself) must work whatever stale credentials the browser still sends
  if (spec.permission === 'public') return authenticate(req).catch((e: unknown) => { if (e instanceof HttpError) return null; throw e; });
  const actor = await authenticate(req);
  if (!actor) throw unauthenticated('sign in first: send a bearer token, the session cookie or an X-API-Key header');
  if (!actorMay(actor, spec.permission)) throw forbidden(`the ${actor.role} role may not ${spec.permission.replace(':', ' ')}`);
  if (actor.routes && !actor.routes.includes(`${spec.method} ${spec.url}`)) throw forbidden(`this API key may not call ${spec.method} ${spec.url}`);
  return actor;
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
  app.route({
    method: spec.method,
    url: spec.url,
    onRequest: refuseUnusableBodies(spec.consumes ?? [JSON_TYPE], maxBytes),
    // a chunked body has no Content-Length to check up front: the parser stops at the same limit
    bodyLimit: maxBytes,
    handler: async (req, reply) => {
      const actor = await authorise(app, spec as unknown as AnyRoute, req);
      refuseOtherCameras(spec.url, req.params, actor);
      const params = parseInput(spec.params, req.params, 'path');
      const query = parseInput(spec.query, withoutMediaToken(req), 'query');
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

/** OpenAPI 3.1 document of every route registered on `app`. */
export function openApiDocument(app: FastifyInstance): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routesByApp.get(app) ?? []) {
    const p = (paths[toOpenApiPath(r.url)] ??= {});
    p[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.method === 'GET' ? {} : { requestBody: { required: false, content: Object.fromEntries((r.consumes ?? [JSON_TYPE]).map((t) => [t, {}])) } }),
      responses: {
        200: { description: 'OK', content: { [r.produces ?? 'application/json']: r.response ? { schema: z.toJSONSchema(r.response, { io: 'output', unrepresentable: 'any' }) } : {} } },
        400: { description: 'Invalid input; `message` names the cause' },
        404: { description: 'Not found' },
        ...(r.method === 'GET' ? {} : { 413: { description: 'Body too large' }, 415: { description: 'Body of a type this route does not take' } }),
      },
    };
  }
  return { openapi: '3.1.0', info: { title: 'Vigil API', version: '1' }, paths };
}
