/** The configuration API (zones, lines, rules) for the settings pages: one query key per kind and camera. */
import type { z } from 'zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dryRunResult, lineList, lineObject, ruleList, ruleObject, zoneList, zoneObject, type DryRunInput } from '@contract/settings.ts';
import { api } from '../../../api/client.ts';

export type ObjectKind = 'zones' | 'lines' | 'rules';

const LISTS = { zones: zoneList, lines: lineList, rules: ruleList } as const;
const ITEMS = { zones: zoneObject, lines: lineObject, rules: ruleObject } as const;

/** One kind's objects (of one camera, or of every camera the user may see). */
function listQuery<S extends z.ZodType>(kind: ObjectKind, schema: S) {
  return (camera?: string) => useQuery({
    queryKey: ['config', kind, camera ?? null],
    queryFn: (): Promise<z.output<S>> => api.get(`/api/v1/${kind}`, { query: { camera }, schema }),
  });
}
export const useZones = listQuery('zones', LISTS.zones);
export const useLines = listQuery('lines', LISTS.lines);
export const useRules = listQuery('rules', LISTS.rules);

const objectPath = (kind: ObjectKind, camera: string, id: string) => `/api/v1/${kind}/${encodeURIComponent(camera)}/${encodeURIComponent(id)}`;

/** Create or replace (version: the one read, 0 to create) and delete; both refresh that kind's lists. */
export function useObjectMutations(kind: ObjectKind) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['config', kind] });
  const save = useMutation({
    mutationFn: (o: { camera: string; id: string; definition: unknown; version: number }) =>
      api.put(objectPath(kind, o.camera, o.id), { body: { definition: o.definition, version: o.version }, schema: ITEMS[kind] }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (o: { camera: string; id: string; version: number }) => api.del(objectPath(kind, o.camera, o.id), { query: { version: o.version } }),
    onSuccess: refresh,
  });
  return { save, remove };
}

export const dryRun = (body: DryRunInput) => api.post('/api/v1/rules/dry-run', { body, schema: dryRunResult });
