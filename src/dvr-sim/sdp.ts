import type { H264Clip } from '../media/h264.ts';
import { H264_PAYLOAD_TYPE } from './rtp.ts';
import { TRACK_CONTROL } from './rtsp-target.ts';

/** The session description a CP PLUS DVR returns for DESCRIBE: one H.264 video track. */
export function buildSdp(opts: { clip: H264Clip; fps: number; serverAddress: string; sessionId: number; title: string }): string {
  const pt = H264_PAYLOAD_TYPE;
  return [
    'v=0',
    `o=- ${opts.sessionId} 1 IN IP4 ${opts.serverAddress}`,
    `s=${opts.title}`,
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=control:*',
    'a=range:npt=0-',
    `m=video 0 RTP/AVP ${pt}`,
    `a=rtpmap:${pt} H264/90000`,
    `a=fmtp:${pt} packetization-mode=1;profile-level-id=${opts.clip.profileLevelId};sprop-parameter-sets=${opts.clip.spropParameterSets}`,
    `a=control:${TRACK_CONTROL}`,
    `a=framerate:${opts.fps}`,
    'a=recvonly',
    '',
  ].join('\r\n');
}
