import type { AccessUnit } from '../h264.ts';

/**
 * One frame of a camera's H.264 as every consumer of the live feed receives it (recording, LL-HLS,
 * WebRTC, frame extraction): depacketised once from the camera's RTP.
 * Sources without B-frames are assumed (what DVRs and IP cameras send for live streams): decode
 * order is presentation order, so one timestamp serves as both.
 */
export interface TimedAccessUnit extends AccessUnit {
  /** presentation time in 90 kHz ticks, unwrapped from the 32-bit RTP timestamp: only ever increases within one connection */
  pts90k: number;
  /** Date.now() when its last packet arrived */
  receivedAt: number;
  /** on every IDR access unit: the parameter sets in force (in-band, or from the SDP), so a consumer can start there */
  parameterSets?: { sps: Buffer; pps: Buffer };
}
