import { UsageError } from '../core/cli-args.ts';

/** The roles one process can run (`vigil run --roles`), kept apart from their code so `--help` loads none of it. */
export const ROLES = ['edge', 'inference', 'analytics', 'notify', 'api', 'archive'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Which roles run where. The one box runs them all in one process. A site's edge gateway pulls
 * the DVR's streams, records them and copies them to the archive; the cloud runs detection, the
 * rules, notifications and the API for every site.
 */
export const PROFILES = {
  'one-box': [...ROLES],
  site: ['edge', 'archive'],
  cloud: ['inference', 'analytics', 'notify', 'api'],
} as const satisfies Record<string, readonly Role[]>;

/** `all`, a profile's name, or a comma-separated list of roles. */
export function parseRoles(spec: string): Role[] {
  if (spec === 'all') return [...ROLES];
  if (Object.hasOwn(PROFILES, spec)) return [...PROFILES[spec as keyof typeof PROFILES]];
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown.length || !names.length) {
    throw new UsageError(`--roles: unknown role ${unknown.map((u) => `'${u}'`).join(', ') || "''"} (expected 'all', a profile (${Object.keys(PROFILES).join(', ')}) or a list of ${ROLES.join(', ')})`);
  }
  return ROLES.filter((r) => names.includes(r));
}
