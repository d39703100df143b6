import type { ProbeResult } from './rtsp-probe.ts';

/** Why a camera is not recording, in words an installer can act on (DESIGN §2.5). */
export type FailureKind = 'auth' | 'not_found' | 'unreachable' | 'corrupt' | 'storage' | 'stalled' | 'ended' | 'crashed';

export interface Failure {
  kind: FailureKind;
  cause: string;
}

/** The installer-facing causes, one wording whichever ingest (ffmpeg or Vigil's RTSP client) met the failure. */
const CAUSE = {
  storage: 'cannot write recordings',
  auth: 'wrong username/password (RTSP 401 Unauthorized)',
  notFound: 'no such channel/stream on the DVR (RTSP 404 Not Found)',
  refused: 'DVR unreachable (connection refused)',
  timedOut: 'DVR unreachable or not responding (timed out)',
  noRoute: 'DVR unreachable (no route to host)',
  corrupt: 'corrupt or unsupported stream',
  notRtsp: 'corrupt or unsupported stream (the port does not speak RTSP)',
  ended: 'stream ended: the DVR closed the connection',
} as const;

const stalledCause = (seconds: number): string => `stream stalled: no frame or segment for ${seconds} s`;

const RULES: Array<[RegExp, FailureKind, string]> = [
  [/Failed to open segment|No space left on device|Read-only file system|Permission denied/i, 'storage', CAUSE.storage],
  [/\b401\b|Unauthorized/i, 'auth', CAUSE.auth],
  [/\b404\b|Not Found/i, 'not_found', CAUSE.notFound],
  [/Connection refused/i, 'unreachable', CAUSE.refused],
  [/timed out|ETIMEDOUT/i, 'unreachable', CAUSE.timedOut],
  [/No route to host|Network is unreachable|Host is unreachable|Name or service not known|resolution/i, 'unreachable', CAUSE.noRoute],
  [/Invalid data found|could not find codec parameters|does not contain any stream|matches no streams|Unsupported|Invalid NAL/i, 'corrupt', CAUSE.corrupt],
];

/** Lines of ffmpeg stderr worth keeping for classification (level+ prefix). */
export function isProblemLine(line: string): boolean {
  return /\[(warning|error|fatal|panic)\]/.test(line) && !/deprecated pixel format|Timestamps are unset/.test(line);
}

/** Classifies one ffmpeg exit from its recent problem lines, exit status and whether we killed it. */
export function classifyExit(e: { problems: string[]; code: number | null; signal: string | null; stalledSeconds?: number }): Failure {
  // errors outrank warnings: scan [error]/[fatal] lines first
  const ordered = [...e.problems.filter((l) => !l.includes('[warning]')), ...e.problems.filter((l) => l.includes('[warning]'))];
  for (const [re, kind, cause] of RULES) {
    const line = ordered.find((l) => re.test(l));
    if (line) return { kind, cause: kind === 'storage' ? `${cause}: ${stripPrefix(line)}` : cause };
  }
  if (e.stalledSeconds !== undefined) return { kind: 'stalled', cause: stalledCause(e.stalledSeconds) };
  if (e.code === 0) return { kind: 'ended', cause: CAUSE.ended };
  const last = ordered[0];
  const how = e.signal ? `was killed by ${e.signal}` : e.code === null ? 'could not start' : `exited with code ${e.code}`;
  return { kind: 'crashed', cause: `ffmpeg ${how}${last ? `: ${stripPrefix(last)}` : ''}` };
}

/** What a failed probe says about the source; null when it answered 200. */
export function classifyProbe(p: ProbeResult): Failure | null {
  if (p.status === 200) return null;
  if (p.status === 401) return { kind: 'auth', cause: CAUSE.auth };
  if (p.status === 404) return { kind: 'not_found', cause: CAUSE.notFound };
  if (p.status !== null) return { kind: 'crashed', cause: `DVR answered RTSP ${p.status} ${p.reason}`.trim() };
  if (p.reason === 'ECONNREFUSED') return { kind: 'unreachable', cause: CAUSE.refused };
  if (p.reason === 'timeout' || p.reason === 'ETIMEDOUT') return { kind: 'unreachable', cause: CAUSE.timedOut };
  if (p.reason === 'not_rtsp') return { kind: 'corrupt', cause: CAUSE.notRtsp };
  return { kind: 'unreachable', cause: `DVR unreachable (${p.reason})` };
}

/**
 * ffmpeg reports a server that accepts TCP but never answers as "Invalid data found"; the probe
 * tells that apart from a real corrupt stream.
 */
export function refineWithProbe(f: Failure, p: ProbeResult): Failure {
  if (f.kind !== 'corrupt' || p.status !== null || p.reason === 'not_rtsp') return f;
  return classifyProbe(p) ?? f;
}

/** How a session of Vigil's own RTSP client (src/media/rtsp) ended, before it is put in an installer's words. */
export type RtspOutcome =
  /** a request was refused: 401 (after the credentials were tried), 404, or another status */
  | { what: 'status'; status: number; reason: string }
  /** connect or read failed: an errno code or 'timeout' */
  | { what: 'network'; code: string }
  /** the peer never sent an RTSP response */
  | { what: 'not_rtsp' }
  /** it spoke RTSP, then sent bytes that break the framing */
  | { what: 'malformed'; detail: string }
  | { what: 'no_h264' }
  | { what: 'stalled'; seconds: number }
  | { what: 'ended' };

const NO_ROUTE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function classifyRtsp(o: RtspOutcome): Failure {
  switch (o.what) {
    case 'status':
      return classifyProbe(o) ?? { kind: 'crashed', cause: `DVR answered RTSP ${o.status} ${o.reason}`.trim() };
    case 'network':
      return NO_ROUTE_CODES.has(o.code) ? { kind: 'unreachable', cause: CAUSE.noRoute } : classifyProbe({ status: null, reason: o.code })!;
    case 'not_rtsp':
      return { kind: 'corrupt', cause: CAUSE.notRtsp };
    case 'malformed':
      return { kind: 'corrupt', cause: `${CAUSE.corrupt} (${o.detail})` };
    case 'no_h264':
      return { kind: 'corrupt', cause: `${CAUSE.corrupt} (no H.264 video track in the session description)` };
    case 'stalled':
      return { kind: 'stalled', cause: stalledCause(o.seconds) };
    case 'ended':
      return { kind: 'ended', cause: CAUSE.ended };
  }
}

const stripPrefix = (line: string): string => line.replace(/^(\[[^\]]*\] )+/, '').trim();

/** A recording file that cannot be created or written (disk full, read-only, permissions), in the words ffmpeg's failures get. */
export function storageFailure(err: Error): Failure {
  return { kind: 'storage', cause: `cannot write recordings: ${err.message}` };
}
