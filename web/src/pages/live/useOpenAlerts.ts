import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { alertPage, type alertSchema } from '@contract/alerts.ts';
import { api } from '../../api/client.ts';

export type Alert = z.infer<typeof alertSchema>;

const SEVERITY_RANK = { critical: 3, high: 2, medium: 1, low: 0 } as const;

/**
 * Open alerts (new or acknowledged, not yet resolved) by camera, most severe first: one request
 * for the whole grid, refreshed every few seconds.
 */
export function useOpenAlerts(): Map<string, Alert[]> {
  const q = useQuery({
    queryKey: ['alerts', 'open-by-camera'],
    queryFn: async () => {
      const [fresh, acked] = await Promise.all(['new', 'ack'].map((status) => api.get('/api/v1/alerts', { query: { status, limit: 200 }, schema: alertPage })));
      return [...fresh!.items, ...acked!.items];
    },
    refetchInterval: 5000,
  });
  const byCamera = new Map<string, Alert[]>();
  for (const a of q.data ?? []) byCamera.set(a.camera_id, [...(byCamera.get(a.camera_id) ?? []), a]);
  for (const list of byCamera.values()) list.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(new Date(b.triggered_at)) - Number(new Date(a.triggered_at)));
  return byCamera;
}
