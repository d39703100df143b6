import { z } from 'zod';

const overall = z.enum(['healthy', 'degraded', 'critical']);

export const healthSchema = z.object({
  status: overall,
  version: z.string(),
  started_at: z.string(),
  uptime_seconds: z.number(),
  database: z.enum(['ok', 'unreachable']),
  components: z.record(z.string(), z.object({ state: z.string(), detail: z.string().optional(), since: z.string() })).describe('every component with its state, since when, and why'),
});

export const storageSchema = z.object({
  swept_at: z.string(),
  budget_bytes: z.number(),
  configured_budget_bytes: z.number().nullable(),
  used_bytes: z.number(),
  free_disk_bytes: z.number(),
  over_budget_bytes: z.number(),
  classes: z.record(z.string(), z.object({ bytes: z.number(), files: z.number().nullable(), oldest: z.string().nullable() })),
  write_bytes_per_day: z.number().nullable(),
  projected_days_left: z.number().nullable(),
  deletion_order: z.array(z.string()),
  last_sweep_deleted: z.unknown(),
  last_sweep_ms: z.number(),
});

export const liveProbe = z.object({ status: z.literal('ok') });
export const readyProbe = z.object({ status: z.enum(['ready', 'not_ready']), database: z.enum(['ok', 'unreachable']), health: overall });
export const startupProbe = z.object({ status: z.enum(['started', 'starting']) });
/** The OpenAPI 3.1 document itself. */
export const openApiSchema = z.object({
  openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()), components: z.record(z.string(), z.unknown()),
});
