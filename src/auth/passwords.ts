import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Password hashes are argon2id with RFC 9106's second recommended setting (64 MiB, 3 passes) on
 * one lane: about 100 ms per hash on one core of the 2-core box this product is sized for
 * (measured 116 ms median; 19 MiB/2 passes took 23 ms), so each offline guess costs that much
 * memory-hard work while a sign-in stays interactive. The memory is held only while one hash runs;
 * sign-in's rate limit and backoff bound how many run at once.
 */
const COST = { algorithm: Algorithm.Argon2id, memoryCost: 64 * 1024, timeCost: 3, parallelism: 1 } as const;

export const hashPassword = (plain: string): Promise<string> => hash(plain, COST);

/** false for a wrong password and for a hash this module did not write (never throws on bad input) */
export async function verifyPassword(stored: string, plain: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}
