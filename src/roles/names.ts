import { UsageError } from '../core/cli-args.ts';

/** The roles one process can run (`vigil run --roles`), kept apart from their code so `--help` loads none of it. */
export const ROLES = ['edge', 'inference', 'analytics', 'notify', 'api', 'archive'] as const;
export type Role = (typeof ROLES)[number];

export function parseRoles(spec: string): Role[] {
  if (spec === 'all') return [...ROLES];
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown.length || !names.length) throw new UsageError(`--roles: unknown role ${unknown.map((u) => `'${u}'`).join(', ') || "''"} (expected 'all' or a list of ${ROLES.join(', ')})`);
  return ROLES.filter((r) => names.includes(r));
}
