import type { Store } from '../port.ts';

/** A browser's Web Push subscription (migration 009). */
export interface PushSubscriptionRow {
  id: number;
  user_name: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PushSubscriptionInput {
  user: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent?: string;
}

export interface PushSubscriptionRepo {
  /** idempotent on the endpoint: a re-registration updates keys and user */
  upsert(s: PushSubscriptionInput, now: Date): Promise<PushSubscriptionRow>;
  listForUser(user: string): Promise<PushSubscriptionRow[]>;
  /** true when a row was deleted */
  removeEndpoint(endpoint: string): Promise<boolean>;
}

const COLUMNS = 'id, user_name, endpoint, p256dh, auth, user_agent, created_at, updated_at';

export function pushSubscriptionRepo(store: Store): PushSubscriptionRepo {
  return {
    async upsert(s, now) {
      const { rows } = await store.query<PushSubscriptionRow>(
        `INSERT INTO push_subscriptions (user_name, endpoint, p256dh, auth, user_agent, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (endpoint) DO UPDATE SET user_name = EXCLUDED.user_name, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
           user_agent = EXCLUDED.user_agent, updated_at = EXCLUDED.updated_at
         RETURNING ${COLUMNS}`,
        [s.user, s.endpoint, s.keys.p256dh, s.keys.auth, s.userAgent ?? null, now],
      );
      return rows[0]!;
    },
    async listForUser(user) {
      const { rows } = await store.query<PushSubscriptionRow>(`SELECT ${COLUMNS} FROM push_subscriptions WHERE user_name = $1 ORDER BY id`, [user]);
      return rows;
    },
    async removeEndpoint(endpoint) {
      const { rows } = await store.query<{ id: number }>('DELETE FROM push_subscriptions WHERE endpoint = $1 RETURNING id', [endpoint]);
      return rows.length > 0;
    },
  };
}
