import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { csvLine } from '../../core/csv.ts';
import { allAudit, listAudit } from '../../audit/list.ts';
import { verifyAuditChain } from '../../audit/verify.ts';
import type { Store } from '../../store/port.ts';
import { auditPage, auditQuery, auditVerifyResult, type AuditEntryResponse } from '../contract/audit.ts';
import { addRoute, checkTimeOrder } from '../route.ts';

export interface AuditRouteDeps {
  store: Store;
}

const CSV_COLUMNS = ['id', 'created_at', 'actor_kind', 'actor_name', 'user_id', 'api_key_id', 'ip', 'action', 'resource', 'outcome', 'status', 'details', 'prev_hash', 'hash'] as const satisfies readonly (keyof AuditEntryResponse)[];

async function* csvOf(rows: AsyncIterable<AuditEntryResponse>): AsyncGenerator<string> {
  yield csvLine(CSV_COLUMNS);
  for await (const row of rows) yield csvLine(CSV_COLUMNS.map((c) => row[c]));
}

export function auditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/audit', permission: 'audit:read', tag: 'audit', audited: true,
    summary: 'The audit trail (who did what, from where, with what outcome), newest first: one page as JSON, or every matching row with format=csv',
    query: auditQuery, response: auditPage,
    handler: async ({ query, reply }) => {
      checkTimeOrder(query);
      const filter = { actor: query.actor, action: query.action, outcome: query.outcome, from: query.from, to: query.to };
      if (query.format === 'csv') {
        // asked once up front: a database that cannot answer is a 5xx, not a 200 with a truncated download
        await listAudit(deps.store, { ...filter, limit: 1 });
        reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vigil-audit.csv"');
        return reply.send(Readable.from(csvOf(allAudit(deps.store, filter))));
      }
      const page = await listAudit(deps.store, { ...filter, limit: query.limit, cursor: query.cursor });
      return { items: page.items, next_cursor: page.nextCursor };
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/audit/verify', permission: 'audit:read', tag: 'audit',
    summary: 'Checks the audit trail\'s hash chain: the first row changed or removed behind the database\'s append-only rule, if any, and the newest hash to keep elsewhere',
    query: z.object({}).strict(), response: auditVerifyResult,
    handler: async () => verifyAuditChain(deps.store),
  });
}
