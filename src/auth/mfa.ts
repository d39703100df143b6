import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const PERIOD_SECONDS = 30;
/** one step either side: a phone clock 30 s off still works */
const WINDOW = 1;
const RECOVERY_CODES = 10;

export interface Enrolment {
  /** base32, for typing into an authenticator app by hand */
  secret: string;
  otpauthUri: string;
  /** the URI as an SVG QR code, as a data URL for an <img> */
  qrDataUrl: string;
}

const totpOf = (secret: string, issuer: string, label: string): TOTP =>
  new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });

/** A new TOTP secret with what an authenticator app needs to add it. */
export async function newEnrolment(issuer: string, username: string): Promise<Enrolment> {
  const secret = new Secret({ size: 20 }).base32;
  const otpauthUri = totpOf(secret, issuer, username).toString();
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** The time step a 6-digit code matches (so it can be refused the second time), or null. */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret, 'vigil', 'check').validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The current code of a secret (tests and the login benchmark act as an authenticator app). */
export const currentCode = (secret: string, now = Date.now()): string => totpOf(secret, 'vigil', 'check').generate({ timestamp: now });

/** Recovery codes are shown once; only their sha256 is kept (each is 60 random bits, beyond guessing). */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomBytes(8).toString('hex').slice(0, 15);
    return `${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10)}`;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export const hashRecoveryCode = (code: string): string => createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

export const looksLikeRecoveryCode = (code: string): boolean => /^[0-9a-f]{5}-[0-9a-f]{5}-[0-9a-f]{5}$/i.test(code.trim());
