/**
 * The dashboard's one way to call the API. The session lives in cookies the API sets at sign-in
 * (httpOnly access and refresh tokens); a state change also sends the CSRF header. When the access
 * token has expired the client refreshes the session once, silently, and repeats the request;
 * only when that fails is the user sent back to sign in.
 */
import type { z } from 'zod';
import { CSRF_COOKIE, CSRF_HEADER } from '@contract/auth.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface RequestOptions<S extends z.ZodType> {
  query?: Query;
  body?: unknown;
  /** the contract schema of the response: it is parsed, so the page sees what the server promised */
  schema?: S;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const listeners = new Set<() => void>();
/** Called when the session is gone for good (refresh refused): the app shows the sign-in page. */
export const onSignedOut = (fn: () => void): (() => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};

export function readCookie(name: string): string | undefined {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : undefined;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const one of v) q.append(k, one);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const NO_REFRESH = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/setup'];
let refreshing: Promise<boolean> | null = null;

/** One refresh at a time: parallel requests that all got 401 wait for the same one. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= send('POST', '/api/v1/auth/refresh')
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

function send(method: string, url: string, body?: unknown, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  const csrf = readCookie(CSRF_COOKIE);
  if (method !== 'GET' && csrf) h[CSRF_HEADER] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return fetch(url, { method, headers: h, body: payload, credentials: 'same-origin', signal });
}

async function errorOf(r: Response): Promise<ApiError> {
  const j = await r.json().catch(() => null) as { error?: string; message?: string } | null;
  return new ApiError(r.status, j?.error ?? `http_${r.status}`, j?.message ?? `${r.status} ${r.statusText}`);
}

/** A request with the session's cookies; refreshes once on 401. Returns the raw response (downloads, media). */
export async function request(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
  const url = withQuery(path, opts.query);
  let r = await send(method, url, opts.body, opts.signal, opts.headers);
  if (r.status === 401 && !NO_REFRESH.includes(path)) {
    if (await refreshSession()) r = await send(method, url, opts.body, opts.signal, opts.headers);
    if (r.status === 401) for (const fn of listeners) fn();
  }
  if (!r.ok) throw await errorOf(r);
  return r;
}

async function call<S extends z.ZodType>(method: string, path: string, opts: RequestOptions<S> = {}): Promise<z.output<S>> {
  const r = await request(method, path, opts);
  if (r.status === 204) return undefined as z.output<S>;
  const json: unknown = await r.json();
  return opts.schema ? opts.schema.parse(json) : json as z.output<S>;
}

export const api = {
  get: <S extends z.ZodType>(path: string, opts?: RequestOptions<S>) => call('GET', path, opts),
  post: <S extends z.ZodType>(path: string, opts?: RequestOptions<S>) => call('POST', path, opts),
  put: <S extends z.ZodType>(path: string, opts?: RequestOptions<S>) => call('PUT', path, opts),
  patch: <S extends z.ZodType>(path: string, opts?: RequestOptions<S>) => call('PATCH', path, opts),
  del: <S extends z.ZodType>(path: string, opts?: RequestOptions<S>) => call('DELETE', path, opts),
};

/** A human sentence for an error thrown by `api` (shown in forms and toasts). */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
