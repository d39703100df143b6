import { z } from 'zod';
import { ROLES } from './permissions.ts';
import { text } from './types.ts';
import { password as newPassword, username } from './users.ts';

/** Sign-in requests and responses. Dependency-free (zod only): the web dashboard imports it. */

/** the cookie holding the access token, for same-origin players (`<video>`, hls.js) that send no header */
export const ACCESS_COOKIE = 'vigil_access';
/** the page sends this cookie's value back in the CSRF header with every state change made with the session cookie */
export const CSRF_COOKIE = 'vigil_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const printable = (max: number) => text(max).refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f), 'must be printable text (no control characters)');

const password = printable(256).min(1).describe('the account password');
const oneTimeCode = printable(32).min(6).describe('6-digit authenticator code, or a recovery code (xxxxx-xxxxx-xxxxx)');

export const loginBody = z.object({ username, password, totp: oneTimeCode.optional() }).strict();

export const setupBody = z.object({
  setup_code: printable(128).min(1).describe('the one-time setup code printed in the log'),
  username, password: newPassword,
}).strict();

export const codeBody = z.object({ code: oneTimeCode }).strict();

export const mediaTokenBody = z.object({ camera_id: printable(32).min(1).describe('camera whose media the token opens') }).strict();

export const sessionParams = z.object({ id: z.uuid().describe('session id') }).strict();

export const userView = z.object({
  id: z.number().int(),
  username: z.string(),
  role: z.enum(ROLES),
  cameras: z.array(z.string()).nullable().describe('cameras this user sees; null = every camera'),
  mfa_enabled: z.boolean(),
});

export const tokenResponse = z.object({
  access_token: z.string().describe('JWT (RS256); send as Authorization: Bearer <token>. Also set as the vigil_access cookie for same-origin media'),
  token_type: z.literal('Bearer'),
  expires_at: z.iso.datetime(),
  expires_in: z.number().int().describe('seconds'),
  session_id: z.string(),
  user: userView,
});

/** an admin without MFA: a token that only enrols it (POST /api/v1/auth/mfa/enrol, then /confirm) */
export const loginResponse = z.union([
  tokenResponse.extend({ mfa_enrolment_required: z.literal(false) }),
  z.object({
    mfa_enrolment_required: z.literal(true),
    enrolment_token: z.string().describe('send as Authorization: Bearer <token> to the MFA enrol and confirm routes'),
    expires_at: z.iso.datetime(),
    user: userView,
  }),
]);

export const meResponse = z.object({
  kind: z.enum(['user', 'api_key']),
  id: z.number().int(),
  name: z.string(),
  role: z.enum(ROLES),
  cameras: z.array(z.string()).nullable(),
  session_id: z.string().nullable(),
  expires_at: z.iso.datetime().nullable(),
  mfa_enabled: z.boolean().nullable(),
});

export const sessionView = z.object({
  id: z.string(), created_at: z.iso.datetime(), last_used_at: z.iso.datetime(), expires_at: z.iso.datetime(),
  ip: z.string().nullable(), user_agent: z.string().nullable(), current: z.boolean(),
});
export const sessionList = z.object({ items: z.array(sessionView) });

export const enrolResponse = z.object({
  otpauth_uri: z.string().describe('add to an authenticator app'),
  qr: z.string().describe('the URI as a QR code (data:image/svg+xml URL)'),
  secret: z.string().describe('base32 secret, for typing in by hand'),
});

export const confirmResponse = z.object({
  recovery_codes: z.array(z.string()).describe('each works once instead of a code; shown only now'),
  /** present when enrolment was done with an enrolment token: the sign-in it completes */
  signed_in: tokenResponse.optional(),
});

export const mediaTokenResponse = z.object({
  token: z.string().describe('append as ?token=… to the camera\'s media URLs'),
  expires_at: z.iso.datetime(),
  paths: z.array(z.string()).describe('URL path prefixes it opens'),
});

export const jwksResponse = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
