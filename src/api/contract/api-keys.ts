import { z } from 'zod';
import { cameraScope, role } from './users.ts';

/**
 * API keys for machines: what an admin sends to create one, and what comes back. The key itself
 * is in the creation response only; lists show its public prefix.
 */
export const API_KEY_MAX_DAYS = 3650;
export const API_KEY_DEFAULT_DAYS = 365;

export const apiKeyName = z.string().trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1–64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit')
  .describe('unique name, e.g. the gateway it belongs to');

/** `METHOD /path` as routes are declared, path parameters as `:name`, e.g. `GET /api/v1/events/:id` */
export const routeTemplate = z.string().regex(/^(GET|POST|PATCH|DELETE|HEAD) \/[A-Za-z0-9/:._-]{1,200}$/, 'a route such as "GET /api/v1/events"');

export const createApiKeyBody = z.object({
  name: apiKeyName,
  role,
  cameras: cameraScope.optional(),
  routes: z.array(routeTemplate).min(1, 'list at least one route, or send null for every route the role allows').max(500).nullable().optional()
    .describe('routes this key may call ("GET /api/v1/events"); null = every route its role allows'),
  expires_in_days: z.number().int().min(1).max(API_KEY_MAX_DAYS).default(API_KEY_DEFAULT_DAYS).describe('the key stops working after this many days'),
}).strict();

export const apiKeyIdParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 53 - 1).describe('API key id') }).strict();

const time = z.iso.datetime();

export const apiKey = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string().describe('the public start of the key (vgl_<prefix>_…), to tell keys apart'),
  role,
  cameras: z.array(z.string()).nullable().describe('null = every camera'),
  routes: z.array(z.string()).nullable().describe('null = every route its role allows'),
  created_by: z.string(),
  created_at: time,
  expires_at: time,
  revoked_at: time.nullable(),
  last_used_at: time.nullable(),
  last_used_ip: z.string().nullable(),
  state: z.enum(['active', 'expired', 'revoked']),
});

export const createdApiKey = apiKey.extend({ key: z.string().describe('the key: shown this once, send it as X-API-Key') });
export const apiKeyList = z.object({ items: z.array(apiKey) });

export type CreateApiKey = z.input<typeof createApiKeyBody>;
export type ApiKey = z.infer<typeof apiKey>;
export type CreatedApiKey = z.infer<typeof createdApiKey>;
