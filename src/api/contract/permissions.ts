/**
 * Who may do what. Roles follow the reference architecture (admin, operator, viewer); each route
 * declares one permission and a role grants a fixed set. A viewer reads (cameras, live, events,
 * alerts, recordings, VOD); an operator also acts on alerts, exports footage, searches and names
 * faces and retries notifications; an admin may do everything, including users, keys, audit and the configuration
 * (cameras, DVRs, zones, rules, recipients, retention), which every role may read for its cameras.
 *
 * Dependency-free (zod only) so the web dashboard imports the same file to decide which buttons
 * a user sees.
 */
export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER = [
  'cameras:read', 'live:watch', 'events:read', 'alerts:read', 'recordings:read', 'system:read',
  'notifications:subscribe', 'self:manage', 'config:read',
] as const;
const OPERATOR = [...VIEWER, 'alerts:act', 'recordings:export', 'faces:search', 'faces:name', 'notifications:manage'] as const;
const ADMIN = [...OPERATOR, 'users:manage', 'apikeys:manage', 'audit:read', 'system:metrics', 'config:manage'] as const;

export type Permission = (typeof ADMIN)[number];
export const PERMISSIONS: readonly Permission[] = ADMIN;

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set<Permission>(VIEWER),
  operator: new Set<Permission>(OPERATOR),
  admin: new Set<Permission>(ADMIN),
};

/** `public` routes need no credentials (login, token refresh, JWKS, liveness probes). */
export type RouteAccess = Permission | 'public';

export const roleAllows = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].has(permission);
