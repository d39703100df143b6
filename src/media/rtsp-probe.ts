import { RtspClientConnection, RtspEndedError, type RtspEnd, type RtspResponse } from './rtsp/connection.ts';
import { parseRtspTarget, type RtspTarget } from './rtsp/target.ts';

/**
 * A cheap liveness probe: one RTSP DESCRIBE on Vigil's own RTSP connection (no ffmpeg, no media). While a
 * camera worker backs off it runs every few seconds, so recording resumes as soon as the DVR
 * answers again instead of after a 60 s backoff. Answers 401 with Basic or Digest credentials
 * from the URL's user info; CP PLUS URLs carry them in the path and need nothing more.
 */
export type ProbeResult =
  | { status: number; reason: string }
  /** no RTSP answer: connection error code (ECONNREFUSED…), 'timeout', or 'not_rtsp' for garbage */
  | { status: null; reason: string };

/** The probe's words for how a connection ended without an answer. */
function endReason(end: RtspEnd): string {
  if (end.why === 'network') return end.code;
  if (end.why === 'protocol') return 'not_rtsp';
  return 'closed';
}

const toResult = (a: RtspResponse | ProbeResult): ProbeResult => (a.status === null ? a : { status: a.status, reason: a.reason });

export async function probeRtsp(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  return toResult(await describe(url, timeoutMs));
}

/** The answer to one DESCRIBE, with the session description when the source sent one (status 200). */
export type DescribeResult = ProbeResult & { sdp?: string };

export async function describeRtsp(url: string, timeoutMs = 2000): Promise<DescribeResult> {
  const a = await describe(url, timeoutMs);
  return 'body' in a && a.status === 200 ? { ...toResult(a), sdp: a.body.toString('latin1') } : toResult(a);
}

async function describe(url: string, timeoutMs: number): Promise<RtspResponse | ProbeResult> {
  let target: RtspTarget;
  try {
    target = parseRtspTarget(url);
  } catch {
    return { status: null, reason: 'bad_url' };
  }
  const connection = new RtspClientConnection(target, { timeoutMs, userAgent: 'vigil-probe' });
  try {
    return await connection.request('DESCRIBE', target.requestUrl, { Accept: 'application/sdp' });
  } catch (err) {
    if (err instanceof RtspEndedError) return { status: null, reason: endReason(err.end) };
    throw err;
  } finally {
    connection.close();
  }
}
