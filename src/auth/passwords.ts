import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Password hashes are argon2id. The cost is OWASP's first recommended setting (19 MiB, 2 passes,
 * 1 lane): about 70 ms per hash on one core of the 2-core box this product is sized for, so a login
 * stays well under the 100 ms budget while an offline guess costs the same memory-hard work.
 */
const COST = { algorithm: Algorithm.Argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (plain: string): Promise<string> => hash(plain, COST);

/** false for a wrong password and for a hash this module did not write (never throws on bad input) */
export async function verifyPassword(stored: string, plain: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}
