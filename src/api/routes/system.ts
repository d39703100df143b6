import type { FastifyInstance } from 'fastify';
import type { Health } from '../../core/health.ts';
import { registry } from '../../core/metrics.ts';
import type { Store } from '../../store/port.ts';
import type { StorageLedger } from '../../storage/ledger.ts';
import { healthSchema, liveProbe, readyProbe, startupProbe, storageSchema } from '../contract/system.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute, HttpError } from '../route.ts';

export interface SystemRouteDeps {
  health: Health;
  store: Store;
  version: string;
  startedAt: Date;
  /** the storage sweeps of this process's edge role; absent where no edge role runs */
  storage?: StorageLedger;
}


export function systemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  addRoute(app, {
    method: 'GET', url: '/api/v1/system/health', permission: 'system:read', tag: 'system', summary: 'System health: every component with its state',
    query: noQuery, response: healthSchema,
    handler: async () => ({
      status: deps.health.overall(),
      version: deps.version,
      started_at: deps.startedAt.toISOString(),
      uptime_seconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
      database: (await deps.store.ping()) ? ('ok' as const) : ('unreachable' as const),
      components: deps.health.snapshot(),
    }),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/system/storage', permission: 'system:read', tag: 'system',
    summary: 'Storage budget: usage per class (evidence = recording kept past its retention for events, alerts, legal holds or the archive), the budget, the oldest item kept per class, the write rate and the projected days until the budget is full',
    query: noQuery, response: storageSchema, errors: [503],
    handler: async () => {
      const report = deps.storage?.report();
      if (!report) throw new HttpError(503, 'not_swept', deps.storage ? 'the first storage sweep has not finished yet; retry in a few seconds' : 'no edge role runs in this process: storage is swept where the recordings are');
      return report;
    },
  });

  // Kubernetes probes (seed §8.6): live = the process answers; ready = it can serve (DB reachable,
  // nothing critical); startup = every role has finished starting.
  addRoute(app, {
    method: 'GET', url: '/health/live', permission: 'public', tag: 'probes', summary: 'Liveness probe', query: noQuery, response: liveProbe,
    handler: async () => ({ status: 'ok' as const }),
  });
  addRoute(app, {
    method: 'GET', url: '/health/ready', permission: 'public', tag: 'probes', summary: 'Readiness probe', query: noQuery, response: readyProbe, errors: [503],
    handler: async ({ reply }) => {
      const db = await deps.store.ping();
      const ready = db && deps.health.isStarted() && deps.health.overall() !== 'critical';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', database: db ? 'ok' : 'unreachable', health: deps.health.overall() });
    },
  });
  addRoute(app, {
    method: 'GET', url: '/health/startup', permission: 'public', tag: 'probes', summary: 'Startup probe', query: noQuery, response: startupProbe, errors: [503],
    handler: async ({ reply }) => reply.code(deps.health.isStarted() ? 200 : 503).send({ status: deps.health.isStarted() ? 'started' : 'starting' }),
  });
  addRoute(app, {
    method: 'GET', url: '/metrics', permission: 'system:metrics', tag: 'probes', summary: 'Prometheus metrics', query: noQuery, produces: 'text/plain',
    handler: async ({ reply }) => reply.header('content-type', registry.contentType).send(await registry.metrics()),
  });
}
