import type { Actor } from '../api/contract/actor.ts';
import { expect } from 'vitest';
import type { Failure } from '../core/errors.ts';
import type { Store } from '../store/port.ts';

export const ADMIN: Actor = { kind: 'user', id: 0, name: 'test-admin', role: 'admin', cameras: null, routes: null };
export const OPERATOR: Actor = { ...ADMIN, name: 'test-operator', role: 'operator' };

/** The second factor's columns as sign-in's migration adds them (IF NOT EXISTS: a no-op once it does). */
export async function addMfaColumns(store: Store): Promise<void> {
  await store.query(`ALTER TABLE users ADD COLUMN IF NOT EXISTS mfa_secret TEXT, ADD COLUMN IF NOT EXISTS mfa_enabled BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS mfa_last_step BIGINT, ADD COLUMN IF NOT EXISTS recovery_codes TEXT[] NOT NULL DEFAULT '{}'`);
}

/** matches a UseCaseError of this failure whose message matches */
export const refused = (failure: Failure, message: RegExp) => expect.objectContaining({ failure, message: expect.stringMatching(message) });
