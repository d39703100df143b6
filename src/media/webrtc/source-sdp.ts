/**
 * What the SDP of the incoming RTP (ffmpeg's `-sdp_file`) says about the H.264 stream: some sources
 * send SPS/PPS only here (sprop-parameter-sets), never in-band.
 */
import { NAL, nalType } from '../h264.ts';

export interface SourceCodec {
  payloadType: number;
  profileLevelId?: string;
  sps?: Buffer;
  pps?: Buffer;
}

/** Parses `a=fmtp` parameters (`k=v; k=v`, spaces allowed) into a map with lower-case keys. */
export function parseFmtp(params: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of params.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

/** The first H.264 payload of the first video section; undefined when the SDP has none. */
export function parseSourceSdp(sdp: string): SourceCodec | undefined {
  const video = sdp.split(/\r?\n(?=m=)/).find((section) => section.startsWith('m=video'));
  const pt = video?.match(/^a=rtpmap:(\d+) H264\/90000/im)?.[1];
  if (!video || pt === undefined) return undefined;
  const fmtp = parseFmtp(video.match(new RegExp(`^a=fmtp:${pt} (.*)$`, 'm'))?.[1] ?? '');
  const codec: SourceCodec = { payloadType: Number(pt) };
  const profile = fmtp.get('profile-level-id');
  if (profile && /^[0-9a-f]{6}$/i.test(profile)) codec.profileLevelId = profile.toUpperCase();
  for (const set of (fmtp.get('sprop-parameter-sets') ?? '').split(',')) {
    const nal = Buffer.from(set, 'base64');
    if (nal.length === 0) continue;
    if (nalType(nal) === NAL.SPS) codec.sps = nal;
    if (nalType(nal) === NAL.PPS) codec.pps = nal;
  }
  return codec;
}
