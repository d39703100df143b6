import type { Cache, Unsubscribe } from '../cache/port.ts';
import type { Logger } from '../core/log.ts';
import type { AlertRepo } from '../store/repositories/alerts.ts';

/**
 * Alert changes are committed by several roles (rules, system alerts, escalation, operators through
 * the API), possibly in other processes than the API replicas whose /ws/alerts feeds poll them.
 * Each committed write is announced on this channel of a shared cache, so every feed reads it at
 * once; the feeds' poll stays as the net under an announcement lost in a reconnect.
 */
const CHANNEL = 'alerts.changed';

/** The repository's writes: each may commit an alert change. */
const WRITES = ['raiseSystem', 'clearSystem', 'recordTrigger', 'changeStatus', 'escalate'] as const satisfies ReadonlyArray<keyof AlertRepo>;

/** The alerts repository, announcing each write once it has resolved (committed). */
export function announcingAlertWrites(alerts: AlertRepo, cache: Cache, log: Logger): AlertRepo {
  const announce = (): void => {
    cache.publish(CHANNEL, null).catch((err: unknown) => log.warn({ err }, 'alert change not announced: feeds of other processes see it at their next poll'));
  };
  const wrapped: AlertRepo = { ...alerts };
  for (const name of WRITES) {
    const write = alerts[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await write(...args);
      announce();
      return result;
    };
  }
  return wrapped;
}

/** For the API's /ws/alerts: calls `wake` at each announcement. */
export const followAlertAnnouncements = (cache: Cache) => (wake: () => void): Promise<Unsubscribe> => cache.subscribe(CHANNEL, wake);
