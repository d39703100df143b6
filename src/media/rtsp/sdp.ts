/**
 * The H.264 video track of a DESCRIBE answer: which payload to expect, how to SETUP it, and the
 * parameter sets a decoder needs when the camera sends them only here (sprop-parameter-sets).
 */
import { parse, parseParams } from 'sdp-transform';
import { NAL, nalType } from '../h264.ts';

/** What a depacketiser needs to know about the camera's H.264 (no URLs: a CP PLUS URL carries the password). */
export interface H264TrackInfo {
  payloadType: number;
  clockRate: number;
  profileLevelId?: string;
  sps?: Buffer;
  pps?: Buffer;
}

export interface DescribedTrack {
  info: H264TrackInfo;
  /** absolute URL for SETUP */
  control: string;
  /** absolute URL of the whole presentation, for PLAY, keep-alives and TEARDOWN */
  aggregateControl: string;
}

/**
 * The first H.264 video track of `sdp` (audio and other codecs ignored); undefined when it has
 * none. `base` is Content-Base, else Content-Location, else the DESCRIBE URL.
 */
export function pickH264Track(sdp: string, base: string): DescribedTrack | undefined {
  const session = parse(sdp);
  const aggregateControl = controlUrl(session.control, base);
  for (const media of session.media) {
    if (media.type !== 'video') continue;
    const rtp = media.rtp.find((r) => r.codec.toUpperCase() === 'H264');
    if (!rtp) continue;
    const fmtp = parseParams(media.fmtp.find((f) => f.payload === rtp.payload)?.config ?? '');
    const track: H264TrackInfo = { payloadType: rtp.payload, clockRate: rtp.rate ?? 90_000 };
    const profile = String(fmtp['profile-level-id'] ?? '');
    if (/^[0-9a-f]{6}$/i.test(profile)) track.profileLevelId = profile.toUpperCase();
    for (const set of String(fmtp['sprop-parameter-sets'] ?? '').split(',')) {
      const nal = Buffer.from(set, 'base64');
      if (nal.length > 0 && nalType(nal) === NAL.SPS) track.sps = nal;
      if (nal.length > 0 && nalType(nal) === NAL.PPS) track.pps = nal;
    }
    return { info: track, control: controlUrl(media.control, aggregateControl), aggregateControl };
  }
  return undefined;
}

/**
 * A control attribute made absolute (RFC 2326 C.1.1). A relative one is appended to the base with
 * one "/" between, as cameras and ffmpeg do, rather than resolved like a relative HTTP URL: many
 * servers send a Content-Base without the trailing slash, and CP PLUS bases end in "?".
 */
export function controlUrl(control: string | undefined, base: string): string {
  if (control === undefined || control === '' || control === '*') return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  return base.endsWith('/') ? `${base}${control}` : `${base}/${control}`;
}
