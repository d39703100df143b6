import { useQuery } from '@tanstack/react-query';
import { cameraList } from '@contract/cameras.ts';
import { api } from './client.ts';

/** The cameras the signed-in user may see, with their state; shared by every page (one request). */
export function useCameras() {
  return useQuery({
    queryKey: ['cameras'],
    queryFn: () => api.get('/api/v1/cameras', { schema: cameraList }),
    refetchInterval: 10_000,
  });
}

/** The site's time zone (of the first camera visible; the one box is one site), else the browser's. */
export function useSiteTimezone(): string {
  const cams = useCameras();
  return cams.data?.items[0]?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}
