import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from '../api/contract/permissions.ts';
import { KID_PATTERN, SIGNING_ALG, type SigningKeys } from './signing-keys.ts';

/**
 * What a token is good for, as its audience: an access token calls the API; a media token opens
 * one camera's media URLs (players that cannot send headers); an enrolment token only lets an
 * admin without MFA enrol it.
 */
export type TokenUse = 'access' | 'media' | 'mfa_enrol';

export interface TokenClaims {
  /** users.id */
  userId: number;
  username: string;
  role: Role;
  /** null = every camera */
  cameras: string[] | null;
  /** the login session (refresh-token family) */
  sid: string;
  /** media tokens: URL path prefixes they open */
  paths?: string[];
}

export interface VerifiedToken extends TokenClaims {
  expiresAt: Date;
}

/** Why a token was refused; the message is the 401's reason. */
export class TokenError extends Error {}

/** A JWT of this API is a few hundred bytes; anything much larger is refused unparsed. */
export const MAX_TOKEN_CHARS = 4096;
/** headers that would make a verifier fetch or trust a key named by the token itself */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256', 'crit'] as const;

export interface TokenOptions {
  issuer: string;
  audience: string;
  /** lifetime per use */
  ttlSeconds: Record<TokenUse, number>;
}

export class Tokens {
  constructor(private readonly keys: SigningKeys, private readonly o: TokenOptions) {}

  private audienceOf(use: TokenUse): string {
    return use === 'access' ? this.o.audience : `${this.o.audience}/${use.replace('_', '-')}`;
  }

  async issue(use: TokenUse, c: TokenClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    await this.keys.refresh();
    const { kid, privateKey } = this.keys.current();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.o.ttlSeconds[use];
    const token = await new SignJWT({ name: c.username, role: c.role, cameras: c.cameras, sid: c.sid, ...(c.paths ? { paths: c.paths } : {}) })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
      .setIssuer(this.o.issuer).setAudience(this.audienceOf(use)).setSubject(String(c.userId))
      .setIssuedAt(iat).setNotBefore(iat).setExpirationTime(exp)
      .sign(privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid token for `use`; a TokenError naming the cause otherwise. */
  async verify(token: string, use: TokenUse, now = new Date()): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_CHARS) throw new TokenError(`token longer than ${MAX_TOKEN_CHARS} characters`);
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch {
      throw new TokenError('malformed token: not a signed JWT');
    }
    if (header.alg !== SIGNING_ALG) throw new TokenError(`token algorithm ${JSON.stringify(header.alg ?? null)} is not accepted (only ${SIGNING_ALG})`);
    const embedded = FORBIDDEN_HEADERS.filter((h) => h in header);
    if (embedded.length) throw new TokenError(`token header names its own key (${embedded.join(', ')}); keys come only from this server`);
    if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) throw new TokenError('token has no valid key id (kid)');
    // a kid not known yet may be a key rotated by another process since
    const key = this.keys.verificationKey(header.kid, now) ?? (await this.keys.refresh(), this.keys.verificationKey(header.kid, now));
    if (!key) throw new TokenError('token signed with a key this server does not have (unknown or expired kid)');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALG], issuer: this.o.issuer, audience: this.audienceOf(use), currentDate: now, clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
      });
      return claimsOf(payload as Record<string, unknown>);
    } catch (e) {
      throw new TokenError(reasonOf(e, use));
    }
  }
}

function claimsOf(p: Record<string, unknown>): VerifiedToken {
  const userId = Number(p.sub);
  const cameras = p.cameras;
  const okCameras = cameras === null || (Array.isArray(cameras) && cameras.every((c) => typeof c === 'string'));
  const paths = p.paths;
  if (!Number.isSafeInteger(userId) || typeof p.name !== 'string' || !ROLES.includes(p.role as Role) || typeof p.sid !== 'string' || !okCameras
    || (paths !== undefined && !(Array.isArray(paths) && paths.every((x) => typeof x === 'string')))) {
    throw new TokenError('token claims are incomplete');
  }
  return {
    userId, username: p.name, role: p.role as Role, cameras: cameras as string[] | null, sid: p.sid,
    ...(paths ? { paths: paths as string[] } : {}), expiresAt: new Date((p.exp as number) * 1000),
  };
}

function reasonOf(e: unknown, use: TokenUse): string {
  if (e instanceof TokenError) return e.message;
  if (e instanceof errors.JWTExpired) return 'token expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf' || e.claim === 'iat') return 'token not valid yet';
    if (e.claim === 'aud') return `token is not a${use === 'access' ? 'n access' : ` ${use.replace('_', ' ')}`} token of this API (audience)`;
    if (e.claim === 'iss') return 'token issued by someone else (issuer)';
    return `token claim ${e.claim} invalid`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  return 'malformed token';
}
