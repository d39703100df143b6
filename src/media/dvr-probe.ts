import { cpPlusUrl } from '../config/cpplus.ts';
import { redact } from '../core/redact.ts';
import { spsResolution } from './h264-sps.ts';
import { describeRtsp, type DescribeResult } from './rtsp-probe.ts';

/**
 * "Test connection" for a CP PLUS DVR: one RTSP DESCRIBE per channel over a plain socket, so the
 * password travels only to the DVR (never through a process's argv as an ffprobe URL would) and no
 * video is decoded. The answer names each channel's codec and resolution (from the session
 * description) or why it cannot be recorded.
 */
export interface DvrProbeTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** channels 1..channels are probed */
  channels: number;
}

export type DvrProbeError = 'auth_failed' | 'unreachable' | 'timeout' | 'no_such_channel' | 'not_rtsp' | 'refused';

export interface ChannelProbe {
  channel: number;
  reachable: boolean;
  codec: string | null;
  width: number | null;
  height: number | null;
  error: DvrProbeError | null;
  detail: string | null;
}

export interface DvrProbe {
  reachable: boolean;
  error: DvrProbeError | null;
  detail: string | null;
  channels: ChannelProbe[];
}

export interface DvrProbeOptions {
  /** channels probed at once: a DVR serves few RTSP sessions at a time */
  concurrency?: number;
  timeoutMs?: number;
}

function causeOf(r: DescribeResult): DvrProbeError | null {
  if (r.status === 200) return null;
  if (r.status === 401 || r.status === 403) return 'auth_failed';
  if (r.status === 404) return 'no_such_channel';
  if (r.status !== null) return 'refused';
  if (r.reason === 'timeout') return 'timeout';
  if (r.reason === 'not_rtsp') return 'not_rtsp';
  // ECONNREFUSED, EHOSTUNREACH, ENOTFOUND, a closed connection…: `detail` says which
  return 'unreachable';
}

/** Codec and picture size of the first video track of a session description. */
export function videoOfSdp(sdp: string): { codec: string | null; width: number | null; height: number | null } {
  const video = sdp.split(/\r?\n(?=m=)/).find((m) => m.startsWith('m=video')) ?? '';
  const pt = /^m=video \S+ \S+ (\d+)/.exec(video)?.[1];
  const codec = pt ? new RegExp(`^a=rtpmap:${pt} ([\\w-]+)/`, 'm').exec(video)?.[1]?.toUpperCase() ?? null : null;
  const sprop = /sprop-parameter-sets=([A-Za-z0-9+/=]+)/.exec(video)?.[1];
  const size = sprop ? spsResolution(Buffer.from(sprop, 'base64')) : null;
  // some DVRs state the size instead (or besides): a=x-dimensions:W,H
  const stated = /^a=x-dimensions:\s*(\d+),(\d+)/m.exec(video);
  return { codec, width: size?.width ?? (stated ? Number(stated[1]) : null), height: size?.height ?? (stated ? Number(stated[2]) : null) };
}

async function probeChannel(t: DvrProbeTarget, channel: number, timeoutMs: number): Promise<ChannelProbe> {
  const r = await describeRtsp(cpPlusUrl({ ...t, channel, stream: 0 }), timeoutMs);
  const error = causeOf(r);
  const video = r.sdp ? videoOfSdp(r.sdp) : { codec: null, width: null, height: null };
  return { channel, reachable: error === null, ...video, error, detail: error ? redact(r.status === null ? r.reason : `${r.status} ${r.reason}`.trim()) : null };
}

/** Causes that are the DVR's, not a channel's: the other channels would only repeat them. */
const DVR_WIDE: ReadonlySet<DvrProbeError> = new Set(['auth_failed', 'unreachable', 'timeout', 'not_rtsp']);

export async function probeDvr(t: DvrProbeTarget, o: DvrProbeOptions = {}): Promise<DvrProbe> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const first = await probeChannel(t, 1, timeoutMs);
  if (first.error && DVR_WIDE.has(first.error)) return { reachable: false, error: first.error, detail: first.detail, channels: [first] };
  const results: ChannelProbe[] = [first];
  let next = 2;
  const runner = async (): Promise<void> => {
    for (let ch = next++; ch <= t.channels; ch = next++) results.push(await probeChannel(t, ch, timeoutMs));
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, t.channels) }, runner));
  return { reachable: true, error: null, detail: null, channels: results.sort((a, b) => a.channel - b.channel) };
}
