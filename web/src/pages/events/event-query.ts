import { useQuery } from '@tanstack/react-query';
import { eventSchema } from '@contract/events.ts';
import type { z } from 'zod';
import { api } from '../../api/client.ts';

type Event = z.infer<typeof eventSchema>;

/**
 * How long after an event its clip may still appear: the clip waits for the recording after the
 * event (its post-roll) to be written and its segment closed, and retries for a few minutes when
 * the footage is late.
 */
const CLIP_PATIENCE_MS = 10 * 60_000;
const CLIP_POLL_MS = 5_000;

/** True while the event's clip is not there yet but may still come. */
export const clipPending = (e: Event, now = Date.now()): boolean =>
  !e.clip_url && now - new Date(e.end_time ?? e.start_time).getTime() < CLIP_PATIENCE_MS;

/** One event; while its clip is being prepared it is fetched again every few seconds, so "Play clip" appears by itself. */
export function useEventQuery(id: number | undefined) {
  return useQuery({
    queryKey: ['event', id], enabled: id !== undefined,
    queryFn: () => api.get(`/api/v1/events/${id}`, { schema: eventSchema }),
    refetchInterval: (q) => (q.state.data && clipPending(q.state.data) ? CLIP_POLL_MS : false),
  });
}
