/**
 * Picks the viewer's H.264 payload type that can carry the camera's stream as it is (same profile,
 * packetization-mode=1) and narrows the offer to it, with the stream's real profile-level-id, so the
 * answer advertises exactly what will be sent. werift answers with every offered codec of a matching
 * MIME type otherwise.
 */
import { parseFmtp } from './source-sdp.ts';

export class OfferError extends Error {}

// profile_idc + constraint flags → profile, as browsers classify them (libwebrtc h264_profile_level_id)
const PROFILE_PATTERNS: [profileIdc: number, flags: string, profile: string][] = [
  [0x42, 'x1xx0000', 'constrained baseline'],
  [0x4d, '1xxx0000', 'constrained baseline'],
  [0x58, '11xx0000', 'constrained baseline'],
  [0x42, 'x0xx0000', 'baseline'],
  [0x58, '10xx0000', 'baseline'],
  [0x4d, '0x0x0000', 'main'],
  [0x64, '00000000', 'high'],
  [0x64, '00001100', 'constrained high'],
  [0xf4, '00000000', 'high 4:4:4 predictive'],
];

const matchesFlags = (flags: number, pattern: string): boolean =>
  [...pattern].every((bit, i) => bit === 'x' || Number(bit) === ((flags >> (7 - i)) & 1));

/** The H.264 profile of a profile-level-id (6 hex digits); unknown combinations by profile_idc. */
export function h264Profile(profileLevelId: string): string {
  const idc = parseInt(profileLevelId.slice(0, 2), 16);
  const flags = parseInt(profileLevelId.slice(2, 4), 16);
  return PROFILE_PATTERNS.find(([i, pattern]) => i === idc && matchesFlags(flags, pattern))?.[2] ?? `profile_idc ${idc}`;
}

export interface NarrowedOffer {
  sdp: string;
  payloadType: number;
}

/** Throws OfferError (a 400 for the client) naming what is missing from the offer. */
export function narrowOffer(offer: string, profileLevelId: string): NarrowedOffer {
  if (!/^v=0\r?\n/.test(offer)) throw new OfferError('the body is not an SDP offer (it must start with v=0)');
  const eol = offer.includes('\r\n') ? '\r\n' : '\n';
  const sections = offer.split(new RegExp(`${eol}(?=m=)`));
  const videoIndex = sections.findIndex((s) => s.startsWith('m=video'));
  if (videoIndex < 0) throw new OfferError('the offer has no video m-section');
  const lines = sections[videoIndex]!.split(eol);
  if (!lines.some((l) => /^a=(recvonly|sendrecv)$/.test(l))) throw new OfferError('the offer does not want to receive video (need a=recvonly or a=sendrecv)');

  const wanted = h264Profile(profileLevelId);
  const fmtpOf = (pt: string): Map<string, string> => parseFmtp(lines.find((l) => l.startsWith(`a=fmtp:${pt} `))?.slice(`a=fmtp:${pt} `.length) ?? '');
  const h264 = lines.flatMap((l) => l.match(/^a=rtpmap:(\d+) H264\/90000/i)?.slice(1, 2) ?? []);
  const usable = h264.filter((pt) => fmtpOf(pt).get('packetization-mode') === '1');
  const chosen = usable.find((pt) => {
    const offered = fmtpOf(pt).get('profile-level-id');
    return offered !== undefined && h264Profile(offered) === wanted;
  });
  if (!chosen) {
    const offered = [...new Set(usable.map((pt) => h264Profile(fmtpOf(pt).get('profile-level-id') ?? '42001f')))];
    throw new OfferError(`the offer has no H.264 payload for the camera's ${wanted} profile (${profileLevelId}) with packetization-mode=1 (offered: ${offered.join(', ') || 'none'})`);
  }

  const otherPayload = (l: string): boolean => {
    const pt = l.match(/^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /)?.[1];
    return pt !== undefined && pt !== chosen;
  };
  const narrowed = lines
    .filter((l) => !otherPayload(l))
    .map((l) => {
      if (l.startsWith('m=video ')) return l.split(' ').slice(0, 3).concat(chosen).join(' ');
      if (l.startsWith(`a=fmtp:${chosen} `)) return `a=fmtp:${chosen} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId.toLowerCase()}`;
      return l;
    });
  sections[videoIndex] = narrowed.join(eol);
  return { sdp: sections.join(eol), payloadType: Number(chosen) };
}
