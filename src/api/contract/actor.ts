import type { Permission, Role } from './permissions.ts';
import { roleAllows } from './permissions.ts';

/**
 * The authenticated caller of a request: a person (user) or a machine (API key). Every operator
 * action takes one, so audit rows and alert lifecycles name who really did it.
 */
export interface Actor {
  kind: 'user' | 'api_key';
  /** users.id or api_keys.id */
  id: number;
  /** username, or the API key's name */
  name: string;
  role: Role;
  /** camera ids this actor may see; null = every camera */
  cameras: readonly string[] | null;
  /** for API keys: route templates (e.g. "GET /api/v1/events") it may call; null = every route its role allows */
  routes: readonly string[] | null;
  /** the refresh-token family (login session) of a user's token; absent for API keys */
  sessionId?: string;
  /** when the credential that authenticated this request stops being valid */
  expiresAt?: Date;
}

export const actorMay = (actor: Actor, permission: Permission): boolean => roleAllows(actor.role, permission);

export const actorSeesCamera = (actor: Actor, cameraId: string): boolean => actor.cameras === null || actor.cameras.includes(cameraId);

/** How an actor is named in logs, audit rows and alert lifecycles: `user:alice`, `api_key:gate-gw`. */
export const actorLabel = (actor: Actor): string => `${actor.kind}:${actor.name}`;
