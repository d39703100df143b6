/** ping() answers false when the database does not answer this fast (e.g. busy behind a long transaction). */
export const PING_TIMEOUT_MS = 2_000;

/** true when `select1` settles successfully within PING_TIMEOUT_MS, else false; never throws. */
export async function pingWithin(select1: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([select1().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
