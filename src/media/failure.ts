import type { ProbeResult } from './rtsp-probe.ts';

/** Why a camera is not recording, in words an installer can act on (DESIGN §2.5). */
export type FailureKind = 'auth' | 'not_found' | 'unreachable' | 'corrupt' | 'storage' | 'stalled' | 'ended' | 'crashed';

export interface Failure {
  kind: FailureKind;
  cause: string;
}

const RULES: Array<[RegExp, FailureKind, string]> = [
  [/Failed to open segment|No space left on device|Read-only file system|Permission denied/i, 'storage', 'cannot write recordings'],
  [/\b401\b|Unauthorized/i, 'auth', 'wrong username/password (RTSP 401 Unauthorized)'],
  [/\b404\b|Not Found/i, 'not_found', 'no such channel/stream on the DVR (RTSP 404 Not Found)'],
  [/Connection refused/i, 'unreachable', 'DVR unreachable (connection refused)'],
  [/timed out|ETIMEDOUT/i, 'unreachable', 'DVR unreachable or not responding (timed out)'],
  [/No route to host|Network is unreachable|Host is unreachable|Name or service not known|resolution/i, 'unreachable', 'DVR unreachable (no route to host)'],
  [/Invalid data found|could not find codec parameters|does not contain any stream|matches no streams|Unsupported|Invalid NAL/i, 'corrupt', 'corrupt or unsupported stream'],
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
  if (e.stalledSeconds !== undefined) return { kind: 'stalled', cause: `stream stalled: no frame or segment for ${e.stalledSeconds} s` };
  if (e.code === 0) return { kind: 'ended', cause: 'stream ended: the DVR closed the connection' };
  const last = ordered[0];
  const how = e.signal ? `was killed by ${e.signal}` : e.code === null ? 'could not start' : `exited with code ${e.code}`;
  return { kind: 'crashed', cause: `ffmpeg ${how}${last ? `: ${stripPrefix(last)}` : ''}` };
}

/** What a failed probe says about the source; null when it answered 200. */
export function classifyProbe(p: ProbeResult): Failure | null {
  if (p.status === 200) return null;
  if (p.status === 401) return { kind: 'auth', cause: 'wrong username/password (RTSP 401 Unauthorized)' };
  if (p.status === 404) return { kind: 'not_found', cause: 'no such channel/stream on the DVR (RTSP 404 Not Found)' };
  if (p.status !== null) return { kind: 'crashed', cause: `DVR answered RTSP ${p.status} ${p.reason}`.trim() };
  if (p.reason === 'ECONNREFUSED') return { kind: 'unreachable', cause: 'DVR unreachable (connection refused)' };
  if (p.reason === 'timeout' || p.reason === 'ETIMEDOUT') return { kind: 'unreachable', cause: 'DVR unreachable or not responding (timed out)' };
  if (p.reason === 'not_rtsp') return { kind: 'corrupt', cause: 'corrupt or unsupported stream (the port does not speak RTSP)' };
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

const stripPrefix = (line: string): string => line.replace(/^(\[[^\]]*\] )+/, '').trim();

/** A recording file that cannot be created or written (disk full, read-only, permissions), in the words ffmpeg's failures get. */
export function storageFailure(err: Error): Failure {
  return { kind: 'storage', cause: `cannot write recordings: ${err.message}` };
}
