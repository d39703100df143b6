import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidCursorError } from '../store/repositories/types.ts';

/**
 * Routes are declared with zod schemas for params and query. The same declaration validates
 * requests (unknown query keys → 400 naming them) and generates the OpenAPI document.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  /** content type of a success response (default application/json) */
  produces?: string;
  /** the JSON a success returns: documented in OpenAPI and checked by the compiler against the handler, not at run time */
  response?: R;
  handler: (input: { params: z.infer<P>; query: z.infer<Q>; req: FastifyRequest; reply: FastifyReply }) => Promise<z.input<R>>;
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
export const badRequest = (why: string): HttpError => new HttpError(400, 'bad_request', why);

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown ${where} parameter${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
      const key = i.path.join('.');
      return `${where} parameter '${key}': ${i.message}`;
    })
    .join('; ');
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

const routesByApp = new WeakMap<FastifyInstance, RouteSpec<z.ZodType, z.ZodType>[]>();

export function addRoute<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType = z.ZodType>(app: FastifyInstance, spec: RouteSpec<P, Q, R>): void {
  const list = routesByApp.get(app) ?? [];
  list.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType>);
  routesByApp.set(app, list);
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (req, reply) => {
      const params = parseInput(spec.params, req.params, 'path');
      const query = parseInput(spec.query, req.query, 'query');
      return spec.handler({ params, query, req, reply });
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
      responses: {
        200: { description: 'OK', content: { [r.produces ?? 'application/json']: r.response ? { schema: z.toJSONSchema(r.response, { io: 'output', unrepresentable: 'any' }) } : {} } },
        400: { description: 'Invalid input; `message` names the cause' },
        404: { description: 'Not found' },
      },
    };
  }
  return { openapi: '3.1.0', info: { title: 'Vigil API', version: '1' }, paths };
}
