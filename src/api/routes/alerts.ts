import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SEVERITIES } from '../../analytics/rules/types.ts';
import type { Logger } from '../../core/log.ts';
import { metrics } from '../../core/metrics.ts';
import type { Objects } from '../../objects/port.ts';
import { AlertNotFoundError, IllegalTransitionError, type AlertRepo, type AlertRow } from '../../store/repositories/alerts.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { addRoute, badRequest, checkTimeOrder, describeIssues, HttpError, notFound, withCursor } from '../route.ts';
import { isoTime } from './events.ts';

export interface AlertRouteDeps {
  repos: Repositories;
  objects: Objects;
  log: Logger;
}

const alertQuery = z.object({
  status: z.enum(['new', 'ack', 'resolved']).optional().describe('new (unacknowledged), ack, resolved'),
  severity: z.enum(SEVERITIES).optional().describe('low, medium, high, critical'),
  camera: z.string().max(64).optional().describe('camera id'),
  from: isoTime.optional().describe('alerts triggered at or after this time (ISO 8601)'),
  to: isoTime.optional().describe('alerts triggered before this time (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
}).strict();

const alertId = z.object({ id: z.coerce.number().int().positive().describe('alert id') }).strict();

const changeBody = z.object({
  by: z.string().trim().min(1).max(128).describe('who (free text until authentication exists)'),
  note: z.string().max(2000).optional().describe('why, what was done'),
}).strict();

/** The request body of a lifecycle change; a mismatch is a 400 naming the field. */
function parseBody(body: unknown): z.infer<typeof changeBody> {
  const r = changeBody.safeParse(body ?? {});
  if (r.success) return r.data;
  throw badRequest(`${describeIssues('body', r.error)} (expected {"by": "name", "note": "optional"})`);
}

async function change(fn: () => Promise<AlertRow>): Promise<AlertRow> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AlertNotFoundError) throw notFound(e.message);
    if (e instanceof IllegalTransitionError) throw new HttpError(409, 'conflict', e.message);
    throw e;
  }
}

/**
 * Training feedback (seed §5.5): a false positive becomes training-data/false-positives/<camera>/<alert>.json
 * (the event's class, box, snapshot key and who marked it) beside the event's metadata.false_positive flag.
 */
export const falsePositiveKey = (a: AlertRow): string => `false-positives/${a.camera_id}/${a.id}.json`;

async function saveFalsePositive(deps: AlertRouteDeps, a: AlertRow): Promise<string | null> {
  const event = await deps.repos.events.get(a.event_id);
  const record = {
    label: 'false_positive', alert_id: a.id, event_id: a.event_id, camera_id: a.camera_id, rule_id: a.rule_id, rule_type: a.rule_type,
    class: event?.label ?? null, bbox: event?.bounding_box ?? null, snapshot: event?.snapshot_path ? { bucket: 'snapshots', key: event.snapshot_path } : null,
    start_time: event?.start_time ?? null, end_time: event?.end_time ?? null, marked_by: a.resolved_by, marked_at: a.resolved_at, note: a.resolve_note,
  };
  try {
    await deps.objects.put('training-data', falsePositiveKey(a), Buffer.from(JSON.stringify(record, null, 2)), 'application/json');
    return falsePositiveKey(a);
  } catch (err) {
    // the database flag (events.metadata.false_positive) stays the record; the export is best effort
    deps.log.error({ err, alertId: a.id, camera_id: a.camera_id }, 'false positive recorded, but its training-data file could not be written');
    return null;
  }
}

export function alertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const alerts: AlertRepo = deps.repos.alerts;

  addRoute(app, {
    method: 'GET', url: '/api/v1/alerts', permission: 'alerts:read', tag: 'alerts', summary: 'Query alerts (filtered, newest first, cursor-paginated)',
    query: alertQuery,
    handler: async ({ query }) => {
      checkTimeOrder(query);
      const page = await withCursor(() => alerts.list({ status: query.status, severity: query.severity, cameraId: query.camera, from: query.from, to: query.to, limit: query.limit, cursor: query.cursor }));
      return { items: page.items, next_cursor: page.nextCursor };
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/alerts/:id', permission: 'alerts:read', tag: 'alerts', summary: 'One alert with its lifecycle (who, when, note)',
    params: alertId, query: z.object({}).strict(),
    handler: async ({ params }) => {
      const a = await alerts.get(params.id);
      if (!a) throw notFound(`no alert with id ${params.id}`);
      return a;
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/ack', permission: 'alerts:act', tag: 'alerts', summary: 'Acknowledge a new alert (body {"by", "note"?}); 409 unless new',
    params: alertId, query: z.object({}).strict(),
    handler: async ({ params, req }) => {
      const body = parseBody(req.body);
      const a = await change(() => alerts.ack(params.id, body.by, body.note));
      metrics.alertAckDuration.observe(Math.max(0, (a.acked_at!.getTime() - a.created_at.getTime()) / 1000));
      return a;
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/resolve', permission: 'alerts:act', tag: 'alerts', summary: 'Resolve a new or acknowledged alert (body {"by", "note"?}); 409 when resolved',
    params: alertId, query: z.object({}).strict(),
    handler: async ({ params, req }) => {
      const body = parseBody(req.body);
      return change(() => alerts.resolve(params.id, body.by, body.note));
    },
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/alerts/:id/false-positive', permission: 'alerts:act', tag: 'alerts',
    summary: 'Resolve as a false positive (body {"by", "note"?}): flags the event and writes training-data/false-positives/<camera>/<alert>.json; 409 when resolved',
    params: alertId, query: z.object({}).strict(),
    handler: async ({ params, req }) => {
      const body = parseBody(req.body);
      const a = await change(() => alerts.markFalsePositive(params.id, body.by, body.note));
      return { ...a, training_data_key: await saveFalsePositive(deps, a) };
    },
  });
}
