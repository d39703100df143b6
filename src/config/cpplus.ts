/**
 * CP PLUS ORANGE RTSP URL (seed Appendix A):
 *   rtsp://HOST:554/user=U&password=P&channel=N&stream=0|1.sdp?
 * Credentials travel in the path, so every URL built here must be redacted before it is logged.
 */
export interface CpPlusTarget {
  host: string;
  port?: number;
  username: string;
  password: string;
  channel: number;
  stream: 0 | 1;
}

// Characters that would change the structure of the path; everything else goes through as the DVR expects.
const escapeValue = (v: string): string => v.replace(/[%&=?#/\s]/g, (c) => encodeURIComponent(c));

export function cpPlusUrl(t: CpPlusTarget): string {
  if (!Number.isInteger(t.channel) || t.channel < 1) throw new Error(`CP PLUS channel must be a positive integer, got ${t.channel}`);
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  return `rtsp://${host}:${t.port ?? 554}/user=${escapeValue(t.username)}&password=${escapeValue(t.password)}&channel=${t.channel}&stream=${t.stream}.sdp?`;
}

/** Parses the CP PLUS path back into its parts (used by the simulator and tests); null if not that form. */
export function parseCpPlusPath(path: string): { username: string; password: string; channel: number; stream: number } | null {
  const m = /^\/?user=([^&]*)&password=([^&]*)&channel=(\d+)&stream=(\d+)\.sdp\??/.exec(path);
  if (!m) return null;
  return { username: decodeURIComponent(m[1]!), password: decodeURIComponent(m[2]!), channel: Number(m[3]), stream: Number(m[4]) };
}
