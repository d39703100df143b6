import { z } from 'zod';

/**
 * The audit trail as the API shows it. Dependency-free (zod only) so the dashboard imports it.
 *
 * Outcome of an audited call, from its HTTP status: ok (2xx/3xx), denied (401/403: no or bad
 * credentials, or not allowed), failed (any other 4xx: bad input, not found, conflict), error (5xx).
 */
export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const outcomeOfStatus = (status: number): AuditOutcome => {
  if (status >= 500) return 'error';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 400) return 'failed';
  return 'ok';
};

// PostgreSQL text cannot hold NUL; a filter containing one is a 400 rather than a failed query
const filterText = (max: number) => z.string().min(1).max(max).refine((s) => !s.includes('\0'), 'must not contain NUL characters');

// years PostgreSQL and JavaScript dates both represent the same way
const filterTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, 'must be between 1970 and 9999');

export const auditQuery = z.object({
  actor: filterText(200).optional().describe('who: an actor label (user:alice, api_key:gate-gw) or a bare name'),
  action: filterText(300).optional().describe('exact action, e.g. "POST /api/v1/alerts/:id/ack"'),
  outcome: z.enum(AUDIT_OUTCOMES).optional().describe('ok, denied, failed or error'),
  from: filterTime.optional().describe('rows written at or after this time (ISO 8601)'),
  to: filterTime.optional().describe('rows written before this time (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('page size (1-500); ignored by format=csv, which streams every matching row'),
  cursor: filterText(64).optional().describe('next_cursor of the previous page'),
  format: z.enum(['json', 'csv']).default('json').describe('json: one page; csv: every matching row as a CSV download'),
}).strict();

export const auditEntry = z.object({
  id: z.number(),
  created_at: z.date(),
  actor_kind: z.enum(['user', 'api_key']).nullable(),
  actor_name: z.string().nullable(),
  user_id: z.number().nullable(),
  api_key_id: z.number().nullable(),
  ip: z.string().nullable(),
  action: z.string(),
  resource: z.string(),
  outcome: z.enum(AUDIT_OUTCOMES),
  status: z.number().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string().nullable(),
  hash: z.string().nullable(),
});
export type AuditEntryResponse = z.infer<typeof auditEntry>;

export const auditPage = z.object({ items: z.array(auditEntry), next_cursor: z.string().nullable() });

export const auditVerifyResult = z.object({
  rows: z.number().describe('rows checked'),
  ok: z.boolean(),
  first_broken_id: z.number().optional().describe('the first row whose hash or link to the row before it does not match'),
  reason: z.string().nullable(),
  head_id: z.number().nullable().describe('the newest row; record it with head_hash elsewhere to detect rows later removed from the end'),
  head_hash: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifyResult>;
