import type { Store } from '../port.ts';

/** A lease held: the epoch fences this holding off from the holder's earlier and later ones. */
export interface LeaseGrant {
  epoch: number;
}

export interface LeaseRow {
  name: string;
  holder: string;
  epoch: number;
  acquired_at: Date;
  expires_at: Date;
}

export interface LeaseRepo {
  /** takes the lease when it is free, expired or already this holder's (a new epoch each time); null while another holder's is live */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** extends a live lease this holder holds at this epoch; false when it has expired or moved on */
  renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** lets the lease expire now, so a successor need not wait out the rest of it */
  release(name: string, holder: string, epoch: number): Promise<void>;
  get(name: string): Promise<LeaseRow | null>;
}

// Expiry is compared with the database's clock (now()), never a process's own.
export function leaseRepo(store: Store): LeaseRepo {
  return {
    async acquire(name, holder, ttlMs) {
      const { rows } = await store.query<{ epoch: number }>(
        `INSERT INTO leases (name, holder, epoch, acquired_at, expires_at)
         VALUES ($1, $2, 1, now(), now() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = leases.epoch + 1,
           acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
           WHERE leases.expires_at <= now() OR leases.holder = EXCLUDED.holder
         RETURNING epoch`,
        [name, holder, ttlMs]);
      return rows[0] ? { epoch: rows[0].epoch } : null;
    },
    async renew(name, holder, epoch, ttlMs) {
      const { rows } = await store.query(
        `UPDATE leases SET expires_at = now() + $4 * interval '1 millisecond'
         WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() RETURNING epoch`,
        [name, holder, epoch, ttlMs]);
      return rows.length === 1;
    },
    async release(name, holder, epoch) {
      await store.query('UPDATE leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()', [name, holder, epoch]);
    },
    async get(name) {
      const { rows } = await store.query<LeaseRow>('SELECT name, holder, epoch, acquired_at, expires_at FROM leases WHERE name = $1', [name]);
      return rows[0] ?? null;
    },
  };
}
