import { notFound } from './errors.ts';

/**
 * Who calls a use case, as far as use cases care: who it is (recorded on what it changes) and which
 * cameras it may see. The API's authenticated Actor is one; so is the system itself.
 */
export interface Caller {
  kind: 'user' | 'api_key' | 'system';
  /** users.id or api_keys.id (0 for the system) */
  id: number;
  name: string;
  /** camera ids this caller may see; null = every camera */
  cameras: readonly string[] | null;
  /** a person's or key's role; absent for the system */
  role?: 'admin' | 'operator' | 'viewer';
}

export const callerSeesCamera = (c: Caller, cameraId: string): boolean => c.cameras === null || c.cameras.includes(cameraId);

/** How a caller is recorded on what it changed: `user:alice`, `api_key:gate-gw`, `system:escalation`. */
export const callerLabel = (c: Caller): string => `${c.kind}:${c.name}`;

/** The cameras a caller asked for narrowed to those it may see; undefined = every camera it may see. */
export function visibleCameras(c: Caller, requested?: string): readonly string[] | undefined {
  if (requested !== undefined) return callerSeesCamera(c, requested) ? [requested] : [];
  return c.cameras ?? undefined;
}

/**
 * The camera `id` if the caller may see it. Another camera is reported exactly like an unknown
 * one (a 404, not a 403), so a scoped caller cannot learn which camera ids exist.
 */
export function cameraFor<C>(caller: Caller, cameras: { get(id: string): C | undefined }, id: string): C {
  const cam = callerSeesCamera(caller, id) ? cameras.get(id) : undefined;
  if (cam === undefined) throw notFound(`no camera with id '${id}'`);
  return cam;
}
