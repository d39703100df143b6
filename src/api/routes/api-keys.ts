import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiKeyService } from '../../auth/api-keys.ts';
import type { CameraSource } from '../../config/live-cameras.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { apiKey, apiKeyIdParams, apiKeyList, createApiKeyBody, createdApiKey } from '../contract/api-keys.ts';
import { addRoute, routeProblem } from '../route.ts';

export interface ApiKeyRouteDeps {
  cameras: Pick<CameraSource, 'ids'>;
  repos: Repositories;
}

/** API keys for machines, for admins: parse, call the API key service, return what it returns. */
export function apiKeyRoutes(app: FastifyInstance, deps: ApiKeyRouteDeps): void {
  const keys = apiKeyService({
    keys: deps.repos.apiKeys, knownCameras: async () => deps.cameras.ids(), routeProblem: (route, role) => routeProblem(app, route, role),
  });
  const noQuery = z.object({}).strict();

  addRoute(app, {
    method: 'GET', url: '/api/v1/apikeys', permission: 'apikeys:manage', tag: 'apikeys', summary: 'Every API key with its scope, expiry and last use (never the key)',
    query: noQuery, response: apiKeyList,
    handler: async ({ actor }) => ({ items: await keys.list(actor) }),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/apikeys', permission: 'apikeys:manage', tag: 'apikeys',
    summary: 'Create an API key (body {"name", "role", "cameras"?, "routes"?, "expires_in_days"?}); 201 with the key, shown this once',
    query: noQuery, body: createApiKeyBody, response: createdApiKey,
    handler: async ({ actor, body, reply }) => {
      const created = await keys.create(actor, body);
      // the key is in this response only: keep it out of caches between here and the admin
      reply.code(201).header('cache-control', 'no-store');
      return created;
    },
  });

  addRoute(app, {
    method: 'DELETE', url: '/api/v1/apikeys/:id', permission: 'apikeys:manage', tag: 'apikeys', summary: 'Revoke an API key (it stops working at once); returns it',
    params: apiKeyIdParams, query: noQuery, response: apiKey,
    handler: async ({ actor, params }) => keys.revoke(actor, params.id),
  });
}
