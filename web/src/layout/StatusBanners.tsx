import { useQuery } from '@tanstack/react-query';
import { healthSchema } from '@contract/system.ts';
import { useSiteTimezone } from '../api/cameras.ts';
import { api, ApiError } from '../api/client.ts';
import { formatTime } from '../lib/time.ts';
import css from './Shell.module.css';

/**
 * Degraded states are visible on every page: the connection to Vigil lost (with the time of the
 * last good update), and any part of Vigil not healthy (camera offline, AI behind, disk low…) as
 * the server's health says, with its reason.
 */
export function StatusBanners() {
  const tz = useSiteTimezone();
  const health = useQuery({
    queryKey: ['system', 'health'],
    queryFn: () => api.get('/api/v1/system/health', { schema: healthSchema }),
    refetchInterval: 5_000,
    retry: false,
  });
  const lost = health.isError && !(health.error instanceof ApiError && health.error.status < 500);
  const degraded = Object.entries(health.data?.components ?? {}).filter(([, c]) => c.state !== 'healthy' && c.state !== 'stopped');
  return (
    <div className={css.banners} aria-live="polite">
      {lost && (
        <p role="alert" className={`${css.banner} ${css.bannerDanger}`} data-testid="connection-lost">
          Connection to Vigil lost{health.dataUpdatedAt ? ` — last update at ${formatTime(health.dataUpdatedAt, tz)}` : ''}. Retrying…
        </p>
      )}
      {!lost && degraded.length > 0 && (
        <div className={`${css.banner} ${css.bannerWarn}`} data-testid="degraded">
          <strong>Degraded:</strong>
          <ul>{degraded.map(([name, c]) => <li key={name}><b>{name}</b> {c.state}{c.detail ? ` — ${c.detail}` : ''} (since {formatTime(c.since, tz)})</li>)}</ul>
        </div>
      )}
    </div>
  );
}
