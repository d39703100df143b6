/**
 * Just enough of RTP (RFC 3550) and its H.264 payload (RFC 6184) to forward packets without
 * depacketizing: where the payload starts, which NAL units a packet carries or starts, and how to
 * build a STAP-A with the parameter sets.
 */
import { NAL, nalType } from '../h264.ts';

const STAP_A = 24;
const FU_A = 28;
const FIXED_HEADER_BYTES = 12;

export interface RtpInfo {
  sequence: number;
  timestamp: number;
  marker: boolean;
  payloadType: number;
  /** offset of the payload in the packet (after CSRCs and the header extension) */
  payloadOffset: number;
  /** end of the payload (before padding) */
  payloadEnd: number;
}

/** undefined for anything that is not a well-formed RTP version 2 packet */
export function parseRtp(packet: Buffer): RtpInfo | undefined {
  if (packet.length < FIXED_HEADER_BYTES || packet[0]! >> 6 !== 2) return undefined;
  let offset = FIXED_HEADER_BYTES + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  }
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  const payloadEnd = packet.length - padding;
  if (payloadEnd <= offset) return undefined;
  return {
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    payloadOffset: offset,
    payloadEnd,
  };
}

/** Complete NAL units in a packet (single NAL unit or STAP-A); FU-A fragments are not complete. */
export function completeNals(packet: Buffer, info: RtpInfo): Buffer[] {
  const payload = packet.subarray(info.payloadOffset, info.payloadEnd);
  const type = nalType(payload);
  if (type >= 1 && type <= 23) return [payload];
  if (type !== STAP_A) return [];
  const nals: Buffer[] = [];
  for (let at = 1; at + 2 <= payload.length; ) {
    const size = payload.readUInt16BE(at);
    if (size === 0 || at + 2 + size > payload.length) break;
    nals.push(payload.subarray(at + 2, at + 2 + size));
    at += 2 + size;
  }
  return nals;
}

/** NAL unit types a packet carries whole or starts (an FU-A start fragment counts, later fragments do not). */
export function startedNalTypes(packet: Buffer, info: RtpInfo): number[] {
  const payload = packet.subarray(info.payloadOffset, info.payloadEnd);
  if (nalType(payload) === FU_A) return payload.length > 1 && payload[1]! & 0x80 ? [payload[1]! & 0x1f] : [];
  return completeNals(packet, info).map(nalType);
}

export const startsIdr = (types: number[]): boolean => types.includes(NAL.IDR);
export const carriesParameterSets = (types: number[]): boolean => types.includes(NAL.SPS) || types.includes(NAL.PPS);

/** One RTP packet (STAP-A) with SPS and PPS, for a decoder that never saw them in-band. */
export function parameterSetPacket(sps: Buffer, pps: Buffer, header: { payloadType: number; timestamp: number; ssrc: number }): Buffer {
  const out = Buffer.alloc(FIXED_HEADER_BYTES + 1 + 2 + sps.length + 2 + pps.length);
  out[0] = 0x80;
  out[1] = header.payloadType & 0x7f;
  out.writeUInt32BE(header.timestamp >>> 0, 4);
  out.writeUInt32BE(header.ssrc >>> 0, 8);
  let at = FIXED_HEADER_BYTES;
  // STAP-A indicator: F=0, NRI = the highest of the aggregated units
  out[at++] = (Math.max(sps[0]! & 0x60, pps[0]! & 0x60)) | STAP_A;
  for (const nal of [sps, pps]) {
    out.writeUInt16BE(nal.length, at);
    nal.copy(out, at + 2);
    at += 2 + nal.length;
  }
  return out;
}

/** `profile-level-id` of an SPS NAL unit: profile_idc, constraint flags, level_idc as 6 hex digits. */
export const profileLevelIdOf = (sps: Buffer): string => sps.subarray(1, 4).toString('hex').toUpperCase();
