/**
 * Maps a request URL to a DVR channel the way a CP PLUS ORANGE DVR does: credentials and channel
 * travel in the path (`/user=U&password=P&channel=N&stream=0|1.sdp?`), optionally followed by the
 * track control suffix (`/trackID=0`) that clients append for SETUP.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseCpPlusPath } from '../config/cpplus.ts';

export interface DvrAccount {
  channels: number;
  username: string;
  password: string;
}

export type StreamIndex = 0 | 1;
export type TargetResult = { ok: true; channel: number; stream: StreamIndex } | { ok: false; status: 401 | 404 };

export const TRACK_CONTROL = 'trackID=0';
const SUFFIXES = new Set(['', '/', `/${TRACK_CONTROL}`]);

export function resolveTarget(url: string, account: DvrAccount): TargetResult {
  const path = url.replace(/^rtsp:\/\/[^/]*/i, '');
  const parsed = path.startsWith('/') ? parseCpPlusPath(path) : null;
  const suffix = path.replace(/^.*?\.sdp\??/, '');
  if (!parsed || !SUFFIXES.has(suffix)) return { ok: false, status: 404 };
  // credentials first, so an unauthenticated client cannot probe which channels exist
  if (!(sameSecret(parsed.username, account.username) && sameSecret(parsed.password, account.password))) return { ok: false, status: 401 };
  if (parsed.channel < 1 || parsed.channel > account.channels || (parsed.stream !== 0 && parsed.stream !== 1)) return { ok: false, status: 404 };
  return { ok: true, channel: parsed.channel, stream: parsed.stream };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));
