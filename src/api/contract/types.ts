/**
 * The value types every request and response of the API is built from. Dependency-free (zod
 * only) so the web dashboard validates with the same definitions the server does.
 */
import { z } from 'zod';

// a UTF-16 surrogate half without its partner: not a character, and PostgreSQL refuses it
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for text PostgreSQL cannot store: a NUL byte or an unpaired surrogate. */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

const STORABLE = 'must not contain NUL bytes or unpaired UTF-16 surrogates';

/**
 * Any string a client sends: bounded, and refused with a 400 when it holds what no database
 * column can store (a NUL byte reaching SQL would otherwise fail the query, a 500).
 */
export const text = (max: number) => z.string().max(max).refine(isStorableText, STORABLE);

/** Text a person types (a name, a note): trimmed, at least one character. */
export const requiredText = (max: number) => z.string().trim().min(1).max(max).refine(isStorableText, STORABLE);

/** Camera ids as configured (`cameras[].id`). */
export const cameraId = text(64).describe('camera id');

/**
 * The instants Vigil stores: from 1970 to the end of year 9999. Years outside (0000, 10000) are
 * not footage anyone recorded, and PostgreSQL or the ISO formatter would choke on some of them.
 */
export const MIN_TIME = new Date('1970-01-01T00:00:00Z');
export const MAX_TIME = new Date('9999-12-31T23:59:59.999Z');
export const inTimeRange = (t: Date): boolean => t.getTime() >= MIN_TIME.getTime() && t.getTime() <= MAX_TIME.getTime();

/** An ISO 8601 time with offset in a request, parsed to a Date; outside 1970–9999 is a 400. */
export const time = z.iso.datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine(inTimeRange, 'must be between 1970-01-01 and 9999-12-31');

/** A time in a response (JSON turns Dates into ISO 8601 strings). */
export const timeOut = z.union([z.date(), z.iso.datetime({ offset: true })]).describe('ISO 8601');

/** Ids in paths: positive integers. */
export const id = (what: string) => z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe(what);

/** The page size and position of every cursor-paginated list. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor returned by this API').optional().describe('next_cursor of the previous page'),
};

/** The one shape of every cursor-paginated list: a page of items and the cursor of the next (null on the last). */
export const page = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
});

/** A route without query parameters: any given is a 400 naming it. */
/** Configuration objects' versions are stored as 32-bit integers: a larger one cannot have been read. */
export const MAX_VERSION = 2_147_483_647;

export const noQuery = z.object({}).strict();
