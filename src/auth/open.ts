import path from 'node:path';
import type { Cache } from '../cache/port.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import type { Repositories } from '../store/repositories/types.ts';
import { SecretBox } from './sealed.ts';
import { AuthService } from './service.ts';
import { SigningKeys } from './signing-keys.ts';
import { LoginThrottle, type LoginBurst } from './throttle.ts';
import { Tokens } from './tokens.ts';

export type AuthConfig = Config['api']['auth'];

/** Everything sign-in needs, built once per process. */
export interface AuthStack {
  service: AuthService;
  tokens: Tokens;
  keys: SigningKeys;
  /** session cookies are Secure */
  cookieSecure: boolean;
}

/** the signing keys and the MFA sealing key live here (0700, files 0600) */
export const keysDir = (dataDir: string): string => path.join(dataDir, 'keys');

export async function openAuth(o: {
  repos: Pick<Repositories, 'authUsers' | 'sessions'>; dataDir: string; config: AuthConfig; log: Logger;
  /** where failed logins are counted: shared by the API replicas that share it */
  cache: Cache;
  onBurst?: (b: LoginBurst) => void; onBurstEnd?: (b: LoginBurst) => void;
}): Promise<AuthStack> {
  const c = o.config;
  const accessSeconds = Math.round(c.access_token_minutes * 60);
  const dir = keysDir(o.dataDir);
  const keys = await SigningKeys.open(dir, accessSeconds * 1000);
  const tokens = new Tokens(keys, {
    issuer: c.issuer, audience: c.audience,
    ttlSeconds: { access: accessSeconds, media: Math.round(c.media_token_minutes * 60), mfa_enrol: accessSeconds },
  });
  const throttle = new LoginThrottle({
    accountFreeFailures: c.login.account_free_failures, ipFreeFailures: c.login.ip_free_failures,
    baseDelayMs: c.login.backoff_base_seconds * 1000, maxDelayMs: c.login.backoff_max_seconds * 1000,
    forgetAfterMs: c.login.forget_after_minutes * 60_000, burstFailures: c.login.burst_failures,
  }, o.cache, o.log, { onBurst: o.onBurst, onBurstEnd: o.onBurstEnd });
  const service = new AuthService(
    { users: o.repos.authUsers, sessions: o.repos.sessions, tokens, throttle, box: SecretBox.open(path.join(dir, 'mfa-seal.key')), log: o.log },
    { refreshTtlSeconds: Math.round(c.refresh_token_days * 86400), sessionCheckCacheMs: c.session_check_seconds * 1000, totpIssuer: `Vigil (${c.issuer})` },
  );
  return { service, tokens, keys, cookieSecure: c.cookie_secure };
}
