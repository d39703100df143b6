import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Role } from '../api/contract/permissions.ts';
import type { Logger } from '../core/log.ts';
import type { AuthUserRepo, AuthUserRow } from '../store/repositories/auth-users.ts';
import type { SessionRepo, SessionRow } from '../store/repositories/sessions.ts';
import { hashRecoveryCode, looksLikeRecoveryCode, matchingStep, newEnrolment, newRecoveryCodes, type Enrolment } from './mfa.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { SecretBox } from './sealed.ts';
import type { LoginThrottle } from './throttle.ts';
import type { TokenClaims, Tokens } from './tokens.ts';

/** A refusal of sign-in, with the HTTP status and error code the API answers with. */
export class AuthError extends Error {
  constructor(readonly status: 401 | 403 | 409 | 429 | 400, readonly code: string, message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

export interface AuthServiceOptions {
  refreshTtlSeconds: number;
  /** how long a session's revocation may take to reach access tokens already issued */
  sessionCheckCacheMs: number;
  /** the name authenticator apps show for the account */
  totpIssuer: string;
}

export interface RequestInfo { ip: string; userAgent: string | null }

export interface IssuedTokens {
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
  sessionId: string;
}

export type LoginResult =
  | ({ kind: 'signed_in'; user: AuthUserRow } & IssuedTokens)
  /** an admin without MFA: a token that can only enrol it */
  | { kind: 'mfa_enrolment_required'; user: AuthUserRow; enrolToken: string; enrolExpiresAt: Date };

const INVALID = 'invalid username or password';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const newOpaqueToken = (): string => randomBytes(32).toString('base64url');

/**
 * Signing in and staying signed in: password (+ TOTP) → access token and a refresh token rotated
 * on every use, sessions a user can list and revoke, MFA enrolment (required for admins), the
 * first admin's setup, and short-lived media tokens.
 */
export class AuthService {
  private sessionCache = new Map<string, { active: boolean; at: number }>();
  private dummyHash?: Promise<string>;
  private setupToken: string | null = null;

  constructor(
    private readonly d: { users: AuthUserRepo; sessions: SessionRepo; tokens: Tokens; throttle: LoginThrottle; box: SecretBox; log: Logger },
    private readonly o: AuthServiceOptions,
  ) {}

  async login(given: { username: string; password: string; totp?: string }, req: RequestInfo): Promise<LoginResult> {
    // user names are case-insensitive (stored lower-case)
    const input = { ...given, username: given.username.trim().toLowerCase() };
    const wait = await this.d.throttle.retryAfterMs(input.username, req.ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AuthError(429, 'rate_limited', `too many failed logins for this account or address; try again in ${seconds} s`, seconds);
    }
    const user = await this.d.users.byName(input.username);
    // an unknown user costs the same hash as a known one, so timing does not tell which names exist
    const ok = user ? await verifyPassword(user.password_hash, input.password) : await this.burnHash(input.password);
    if (!user || !ok) return this.fail(input.username, req, INVALID);
    if (user.disabled) return this.fail(input.username, req, 'this account is disabled');
    if (user.mfa_enabled) {
      if (!input.totp) throw new AuthError(401, 'mfa_required', 'this account uses two-factor sign-in: send totp (the authenticator code, or a recovery code)');
      if (!(await this.secondFactorOk(user, input.totp))) return this.fail(input.username, req, 'invalid authenticator or recovery code');
    }
    await this.d.throttle.success(input.username);
    if (user.role === 'admin' && !user.mfa_enabled) {
      const { token, expiresAt } = await this.d.tokens.issue('mfa_enrol', claimsOf(user, ''));
      return { kind: 'mfa_enrolment_required', user, enrolToken: token, enrolExpiresAt: expiresAt };
    }
    return { kind: 'signed_in', user, ...(await this.startSession(user, req)) };
  }

  private async burnHash(password: string): Promise<false> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(await this.dummyHash, password);
    return false;
  }

  private async fail(username: string, req: RequestInfo, why: string): Promise<never> {
    await this.d.throttle.failure(username, req.ip);
    throw new AuthError(401, 'unauthenticated', why);
  }

  private async secondFactorOk(user: AuthUserRow, code: string): Promise<boolean> {
    if (looksLikeRecoveryCode(code)) {
      const used = await this.d.users.useRecoveryCode(user.id, hashRecoveryCode(code));
      if (used) this.d.log.warn({ username: user.username }, 'signed in with a recovery code');
      return used;
    }
    const step = user.mfa_secret ? matchingStep(this.d.box.open(user.mfa_secret), code) : null;
    // a code is accepted once: a replay within its 30 s (seen over a shoulder, logged by a proxy) fails
    return step !== null && (await this.d.users.acceptStep(user.id, step));
  }

  private async startSession(user: AuthUserRow, req: RequestInfo): Promise<IssuedTokens> {
    const refreshToken = newOpaqueToken();
    const refreshExpiresAt = new Date(Date.now() + this.o.refreshTtlSeconds * 1000);
    const session = await this.d.sessions.create({ id: randomUUID(), userId: user.id, userAgent: req.userAgent?.slice(0, 256) ?? null, ip: req.ip, expiresAt: refreshExpiresAt, tokenHash: sha256(refreshToken) });
    const access = await this.d.tokens.issue('access', claimsOf(user, session.id));
    return { accessToken: access.token, accessExpiresAt: access.expiresAt, refreshToken, refreshExpiresAt, sessionId: session.id };
  }

  /** The next refresh token and a fresh access token; presenting a used token again revokes its whole session. */
  async refresh(refreshToken: string, req: RequestInfo): Promise<IssuedTokens & { user: AuthUserRow }> {
    const next = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.o.refreshTtlSeconds * 1000);
    const found = await this.d.sessions.rotate(sha256(refreshToken), { tokenHash: sha256(next), expiresAt, ip: req.ip }, new Date());
    if (found.state === 'unknown') throw new AuthError(401, 'unauthenticated', 'refresh token unknown; sign in again');
    if (found.state === 'revoked') throw new AuthError(401, 'unauthenticated', 'this session was ended; sign in again');
    if (found.state === 'expired') throw new AuthError(401, 'unauthenticated', 'refresh token expired; sign in again');
    if (found.state === 'reused') {
      await this.revoke(found.session.id, 'refresh token reused');
      this.d.log.warn({ session_id: found.session.id, user_id: found.session.user_id, ip: req.ip }, 'a refresh token was used twice: the session is revoked (a copy of the token may have been stolen)');
      throw new AuthError(401, 'unauthenticated', 'refresh token already used: the session is revoked; sign in again');
    }
    const user = await this.d.users.byId(found.session.user_id);
    if (!user || user.disabled) {
      await this.revoke(found.session.id, 'account disabled');
      throw new AuthError(401, 'unauthenticated', 'this account is disabled');
    }
    const access = await this.d.tokens.issue('access', claimsOf(user, found.session.id));
    return { user, accessToken: access.token, accessExpiresAt: access.expiresAt, refreshToken: next, refreshExpiresAt: expiresAt, sessionId: found.session.id };
  }

  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const done = await this.d.sessions.revoke(sessionId, reason, new Date());
    this.sessionCache.set(sessionId, { active: false, at: Date.now() });
    return done;
  }

  /** the user's own session, revoked; false when it is not theirs or was ended already */
  async revokeOwn(userId: number, sessionId: string): Promise<boolean> {
    const s = await this.d.sessions.get(sessionId);
    if (!s || s.user_id !== userId) return false;
    return this.revoke(sessionId, 'revoked by its user');
  }

  listSessions(userId: number): Promise<SessionRow[]> {
    return this.d.sessions.listActive(userId, new Date());
  }

  /** whether an access token's session still stands (cached briefly: every request asks) */
  async sessionActive(sessionId: string): Promise<boolean> {
    const hit = this.sessionCache.get(sessionId);
    if (hit && Date.now() - hit.at < this.o.sessionCheckCacheMs) return hit.active;
    const s = await this.d.sessions.get(sessionId);
    const active = Boolean(s && !s.revoked_at && s.expires_at > new Date());
    if (this.sessionCache.size > 10_000) this.sessionCache.clear();
    this.sessionCache.set(sessionId, { active, at: Date.now() });
    return active;
  }

  user(id: number): Promise<AuthUserRow | null> {
    return this.d.users.byId(id);
  }

  /** Starts TOTP enrolment: the secret is kept sealed and pending until a code confirms it. */
  async enrolMfa(userId: number): Promise<Enrolment> {
    const user = await this.requireUser(userId);
    if (user.mfa_enabled) throw new AuthError(409, 'conflict', 'two-factor sign-in is on already; disable it first to enrol a new authenticator');
    const e = await newEnrolment(this.o.totpIssuer, user.username);
    await this.d.users.setPendingMfa(user.id, this.d.box.seal(e.secret));
    return e;
  }

  /** A code from the new authenticator turns MFA on; returns the recovery codes (shown this once). */
  async confirmMfa(userId: number, code: string): Promise<{ user: AuthUserRow; recoveryCodes: string[] }> {
    const user = await this.requireUser(userId);
    if (user.mfa_enabled) throw new AuthError(409, 'conflict', 'two-factor sign-in is on already');
    if (!user.mfa_secret) throw new AuthError(409, 'conflict', 'no enrolment pending: POST /api/v1/auth/mfa/enrol first');
    const step = matchingStep(this.d.box.open(user.mfa_secret), code);
    if (step === null) throw new AuthError(400, 'bad_request', 'the code does not match the enrolled secret (check the phone\'s clock)');
    const { codes, hashes } = newRecoveryCodes();
    await this.d.users.enableMfa(user.id, hashes, step);
    this.d.log.info({ username: user.username }, 'two-factor sign-in enabled');
    return { user: (await this.d.users.byId(user.id))!, recoveryCodes: codes };
  }

  /** the session an enrolment token's admin starts once MFA is confirmed */
  startSessionAfterEnrolment(user: AuthUserRow, req: RequestInfo): Promise<IssuedTokens> {
    return this.startSession(user, req);
  }

  async disableMfa(userId: number, code: string): Promise<void> {
    const user = await this.requireUser(userId);
    if (user.role === 'admin') throw new AuthError(403, 'forbidden', 'two-factor sign-in is required for admins');
    if (!user.mfa_enabled) throw new AuthError(409, 'conflict', 'two-factor sign-in is not on');
    if (!(await this.secondFactorOk(user, code))) throw new AuthError(400, 'bad_request', 'invalid authenticator or recovery code');
    await this.d.users.disableMfa(user.id);
    this.d.log.info({ username: user.username }, 'two-factor sign-in disabled');
  }

  private async requireUser(id: number): Promise<AuthUserRow> {
    const u = await this.d.users.byId(id);
    if (!u || u.disabled) throw new AuthError(401, 'unauthenticated', 'this account no longer exists or is disabled');
    return u;
  }

  /** A media token opening one camera's media URLs (for players that cannot send headers). */
  async mediaToken(claims: Omit<TokenClaims, 'paths'>, cameraId: string): Promise<{ token: string; expiresAt: Date; paths: string[] }> {
    const paths = mediaPaths(cameraId);
    return { ...(await this.d.tokens.issue('media', { ...claims, paths })), paths };
  }

  /**
   * With no user at all: the demo creates its admin (random password, printed once); anything else
   * gets a one-time setup token, printed once, that `POST /api/v1/auth/setup` exchanges for the first admin.
   */
  async bootstrap(mode: 'demo' | 'setup', setupUrl: string): Promise<void> {
    if ((await this.d.users.count()) > 0) return;
    if (mode === 'demo') {
      const password = randomBytes(12).toString('base64url');
      await this.d.users.create({ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' });
      this.d.log.warn(`demo: created the admin account "admin"; its password, shown only this once, is ${password} (sign in: POST ${setupUrl.replace(/\/setup$/, '/login')}; as an admin it enrols an authenticator app at its first sign-in)`);
      return;
    }
    this.setupToken = newOpaqueToken();
    this.d.log.warn(`no user exists yet: create the first admin with the one-time setup code ${this.setupToken} (POST ${setupUrl} with setup_code, username and password; shown only this once, works once)`);
  }

  async setup(input: { setup_code: string; username: string; password: string }): Promise<AuthUserRow> {
    const expected = this.setupToken;
    const given = Buffer.from(input.setup_code);
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      throw new AuthError(401, 'unauthenticated', expected ? 'setup code invalid' : 'setup is done (a user exists); sign in instead');
    }
    if ((await this.d.users.count()) > 0) throw new AuthError(409, 'conflict', 'setup is done (a user exists); sign in instead');
    this.setupToken = null;
    const user = await this.d.users.create({ username: input.username, passwordHash: await hashPassword(input.password), role: 'admin' });
    this.d.log.info({ username: user.username }, 'first admin created through the setup link');
    return user;
  }
}

export const claimsOf = (u: Pick<AuthUserRow, 'id' | 'username' | 'role' | 'cameras'>, sid: string): TokenClaims =>
  ({ userId: u.id, username: u.username, role: u.role as Role, cameras: u.cameras, sid });

/** what a media token of a camera opens: the camera's URLs (live, recordings, export), its live HLS, VOD and player page */
export function mediaPaths(cameraId: string): string[] {
  const id = encodeURIComponent(cameraId);
  return [`/api/v1/cameras/${id}/`, `/live/${id}/`, `/vod/${id}.m3u8`, `/vod/${id}/`, `/player/${id}`];
}
