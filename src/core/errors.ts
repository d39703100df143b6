/**
 * How a use case fails, in terms every caller maps to its own answer (the API to an HTTP status in
 * src/api/errors.ts, the command line to a message and exit code).
 */
export type Failure = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'too_many' | 'unavailable';

export class UseCaseError extends Error {
  constructor(
    readonly failure: Failure,
    message: string,
    /** a more specific machine-readable code than the failure (e.g. `no_face`) */
    readonly code?: string,
  ) {
    super(message);
  }
}

export const invalid = (why: string, code?: string): UseCaseError => new UseCaseError('invalid', why, code);
export const notFound = (what: string, code?: string): UseCaseError => new UseCaseError('not_found', what, code);
export const conflict = (why: string, code?: string): UseCaseError => new UseCaseError('conflict', why, code);
export const unavailable = (why: string, code?: string): UseCaseError => new UseCaseError('unavailable', why, code);
