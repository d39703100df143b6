import type { Credentials } from './auth.ts';

/** Where an rtsp:// or rtsps:// URL points, with its user info taken out of the URL sent on the wire. */
export interface RtspTarget {
  tls: boolean;
  host: string;
  port: number;
  /** the original text minus user info (keeps a CP PLUS URL's trailing "?") */
  requestUrl: string;
  /** from the URL's user info; CP PLUS URLs carry theirs in the path instead */
  credentials?: Credentials;
}

/** Throws TypeError on a URL that does not parse (the message is redacted by the caller's logger). */
export function parseRtspTarget(url: string): RtspTarget {
  const u = new URL(url);
  if (u.protocol !== 'rtsp:' && u.protocol !== 'rtsps:') throw new TypeError(`not an RTSP URL (${u.protocol})`);
  const secure = u.protocol === 'rtsps:';
  const target: RtspTarget = {
    tls: secure,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (secure ? 322 : 554),
    requestUrl: url.replace(/^(rtsps?:\/\/)[^/@]*@/i, '$1'),
  };
  if (u.username) target.credentials = { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
  return target;
}
