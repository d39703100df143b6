import { z } from 'zod';
import { ROLES } from './permissions.ts';

/**
 * Accounts of people: what an admin sends to create or change one, and what comes back (never a
 * password or its hash). Usernames are case-insensitive: stored lower-case.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

export const username = z.string().trim().toLowerCase()
  .regex(USERNAME_PATTERN, '2–32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit')
  .describe('sign-in name (case-insensitive)');

export const password = z.string()
  .min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`)
  .describe(`at least ${PASSWORD_MIN} characters, not the username`);

export const role = z.enum(ROLES).describe('admin, operator or viewer');

export const cameraId = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'a camera id: letters, digits, "_" or "-", at most 32');

/** null (or absent on creation) = every camera */
export const cameraScope = z.array(cameraId).min(1, 'list at least one camera, or send null for every camera').max(1000)
  .nullable().describe('camera ids this account may see; null = every camera');

export const createUserBody = z.object({
  username,
  password,
  role,
  cameras: cameraScope.optional(),
}).strict();

export const updateUserBody = z.object({
  role: role.optional(),
  password: password.optional(),
  cameras: cameraScope.optional(),
  disabled: z.boolean().optional().describe('a disabled user cannot sign in'),
}).strict().refine((b) => Object.keys(b).length > 0, { message: 'send at least one of role, password, cameras, disabled' });

export const userIdParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 53 - 1).describe('user id') }).strict();

export const user = z.object({
  id: z.number().int(),
  username: z.string(),
  role,
  cameras: z.array(z.string()).nullable().describe('null = every camera'),
  disabled: z.boolean(),
  mfa_enabled: z.boolean().describe('signs in with an authenticator code'),
  created_at: z.iso.datetime(),
});

export const userList = z.object({ items: z.array(user) });

export type CreateUser = z.infer<typeof createUserBody>;
export type UpdateUser = z.infer<typeof updateUserBody>;
export type User = z.infer<typeof user>;
