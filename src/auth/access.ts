import type { z } from 'zod';
import { actorLabel, actorMay, type Actor } from '../api/contract/actor.ts';
import type { Permission } from '../api/contract/permissions.ts';
import { UseCaseError } from '../core/errors.ts';

/** A use case's first step: refuse callers whose role lacks the permission. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (!actorMay(actor, permission)) throw new UseCaseError('forbidden', `${actorLabel(actor)} (${actor.role}) may not ${permission.replace(':', ' ')}`);
}

/**
 * Validates a use case's input with its contract schema, whoever calls (API, admin socket,
 * command line): a mismatch is a bad_request naming each field.
 */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new UseCaseError('invalid', r.error.issues.slice(0, 5).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
}

/** 400 naming the camera ids no camera has (a typo would otherwise scope an account to nothing). */
export async function checkCameras(cameras: readonly string[] | null | undefined, known: () => Promise<readonly string[]>): Promise<void> {
  if (!cameras) return;
  const ids = new Set(await known());
  const unknown = cameras.filter((c) => !ids.has(c));
  if (unknown.length) throw new UseCaseError('invalid', `cameras: no camera with id ${unknown.slice(0, 5).map((c) => `'${c}'`).join(', ')}${ids.size ? '' : ' (no camera is known yet: start Vigil with its cameras once)'}`);
}
