/**
 * RTP packetization of H.264 (RFC 6184, packetization-mode=1): single NAL unit packets and FU-A
 * fragments, plus RTSP interleaved framing (RFC 2326 §10.12) for RTP over the RTSP TCP connection.
 */
import type { AccessUnit } from '../media/h264.ts';

export const RTP_CLOCK_RATE = 90_000;
export const H264_PAYLOAD_TYPE = 96;
/** Keeps packets below a 1500-byte Ethernet MTU with IP/TCP headers, like a DVR does */
export const DEFAULT_MAX_PAYLOAD = 1400;
const RTP_HEADER_BYTES = 12;
const FU_A = 28;

export interface PacketizerOptions {
  sps: Buffer;
  pps: Buffer;
  ssrc: number;
  initialSeq: number;
  payloadType?: number;
  maxPayload?: number;
}

export class H264Packetizer {
  private seq: number;
  private readonly payloadType: number;
  private readonly maxPayload: number;

  constructor(private readonly opts: PacketizerOptions) {
    this.seq = opts.initialSeq & 0xffff;
    this.payloadType = opts.payloadType ?? H264_PAYLOAD_TYPE;
    this.maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Sequence number of the next packet (for RTP-Info). */
  get nextSeq(): number {
    return this.seq;
  }

  /** All packets of one frame; SPS/PPS go before every IDR so a client can start decoding there. */
  packetizeFrame(frame: AccessUnit, timestamp: number): Buffer[] {
    const nals = frame.idr ? [this.opts.sps, this.opts.pps, ...frame.nals] : frame.nals;
    const payloads = nals.flatMap((nal) => this.payloadsOf(nal));
    return payloads.map((payload, i) => this.packet(payload, timestamp, i === payloads.length - 1));
  }

  private payloadsOf(nal: Buffer): Buffer[][] {
    if (nal.length <= this.maxPayload) return [[nal]];
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const type = nal[0]! & 0x1f;
    const chunk = this.maxPayload - 2;
    const out: Buffer[][] = [];
    for (let at = 1; at < nal.length; at += chunk) {
      const start = at === 1 ? 0x80 : 0;
      const end = at + chunk >= nal.length ? 0x40 : 0;
      out.push([Buffer.from([indicator, start | end | type]), nal.subarray(at, at + chunk)]);
    }
    return out;
  }

  private packet(parts: Buffer[], timestamp: number, marker: boolean): Buffer {
    const header = Buffer.allocUnsafe(RTP_HEADER_BYTES);
    header[0] = 0x80; // version 2, no padding, no extension, no CSRC
    header[1] = (marker ? 0x80 : 0) | this.payloadType;
    header.writeUInt16BE(this.seq, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(this.opts.ssrc >>> 0, 8);
    this.seq = (this.seq + 1) & 0xffff;
    return Buffer.concat([header, ...parts]);
  }
}

/** Frames packets for one interleaved channel into a single buffer: one socket write per frame. */
export function interleave(channel: number, packets: Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(packets.reduce((n, p) => n + 4 + p.length, 0));
  let at = 0;
  for (const p of packets) {
    out[at] = 0x24; // '$'
    out[at + 1] = channel;
    out.writeUInt16BE(p.length, at + 2);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}
