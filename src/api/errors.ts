/**
 * The one place errors become HTTP answers: what a use case reports (src/core/errors.ts), what a
 * route raises itself (HttpError) and what Fastify or a repository throws on bad input. Anything
 * else is a 500 that the error handler logs.
 */
import { UseCaseError, type Failure } from '../core/errors.ts';
import { InvalidCursorError } from '../store/repositories/types.ts';
import { boundedMessage, HttpError } from './route.ts';

const STATUS: Record<Failure, { status: number; code: string }> = {
  invalid: { status: 400, code: 'bad_request' },
  forbidden: { status: 403, code: 'forbidden' },
  not_found: { status: 404, code: 'not_found' },
  conflict: { status: 409, code: 'conflict' },
  unprocessable: { status: 422, code: 'unprocessable' },
  too_many: { status: 429, code: 'rate_limited' },
  unavailable: { status: 503, code: 'unavailable' },
};

/** The HTTP error of a known failure; null for an unexpected one (a 500). */
export function toHttpError(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof UseCaseError) {
    const s = STATUS[err.failure];
    return new HttpError(s.status, err.code ?? s.code, err.message);
  }
  if (err instanceof InvalidCursorError) return new HttpError(400, 'bad_request', `query parameter 'cursor' is not a cursor returned by this API`);
  // Fastify's own refusals (malformed JSON, body over the limit, bad content type)
  const status = (err as { statusCode?: number } | null)?.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
    return new HttpError(status, code, boundedMessage([(err as Error).message]));
  }
  return null;
}
