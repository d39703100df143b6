/**
 * A camera's H.264 RTP (RFC 6184: single NAL unit, STAP-A and FU-A packets) back into access units,
 * once, for every consumer of the live feed. A lost packet spoils its frame and every frame that
 * refers to it: after a loss nothing is emitted until the next IDR, so no consumer ever gets a
 * picture its decoder would smear.
 */
import { NAL, nalType } from '../h264.ts';
import { completeNals, parseRtp, type RtpInfo } from '../webrtc/h264-rtp.ts';
import type { TimedAccessUnit } from './timed-access-unit.ts';

const FU_A = 28;
// a frame larger than this is not a camera's (8 MB holds a 4K IDR at very high quality)
const MAX_ACCESS_UNIT_BYTES = 8 * 1024 * 1024;
const TIMESTAMP_WRAP = 2 ** 32;

export interface DepacketizerStats {
  accessUnits: number;
  /** packets that were not RTP or not of the expected payload type */
  ignoredPackets: number;
  /** sequence gaps seen */
  losses: number;
  /** access units dropped: spoilt by a loss, or waiting for the IDR after one */
  droppedAccessUnits: number;
}

export class H264Depacketizer {
  private nals: Buffer[] = [];
  private bytes = 0;
  private fragment: Buffer[] | null = null;
  private timestamp: number | null = null;
  private spoilt = false;
  /** after a loss (and at the start) only an IDR can be decoded */
  private needIdr = true;
  private expectedSequence: number | null = null;
  private lastRtpTimestamp: number | null = null;
  private extendedTimestamp = 0;
  private sps: Buffer | undefined;
  private pps: Buffer | undefined;
  private readonly counters: DepacketizerStats = { accessUnits: 0, ignoredPackets: 0, losses: 0, droppedAccessUnits: 0 };

  /**
   * @param emit gets each complete, decodable access unit
   * @param payloadType the SDP's H.264 payload type; other packets are ignored
   * @param parameterSets out-of-band SPS/PPS (the SDP's sprop-parameter-sets), used until in-band ones arrive
   */
  constructor(
    private readonly emit: (au: TimedAccessUnit) => void,
    private readonly opts: { payloadType?: number; parameterSets?: { sps?: Buffer; pps?: Buffer } } = {},
  ) {
    this.sps = opts.parameterSets?.sps;
    this.pps = opts.parameterSets?.pps;
  }

  stats(): DepacketizerStats {
    return { ...this.counters };
  }

  /** The source restarted (a new connection): timestamps and sequence numbers start afresh. */
  reset(): void {
    this.discardFrame();
    this.needIdr = true;
    this.expectedSequence = null;
    this.lastRtpTimestamp = null;
  }

  /**
   * The same source's packets resume after a pause (nobody wanted them): the jump in sequence
   * numbers is no loss, the clock goes on, and the next access unit must be an IDR.
   */
  resume(): void {
    this.discardFrame();
    this.needIdr = true;
    this.expectedSequence = null;
  }

  push(packet: Buffer, receivedAt = Date.now()): void {
    const info = parseRtp(packet);
    if (!info || (this.opts.payloadType !== undefined && info.payloadType !== this.opts.payloadType)) {
      this.counters.ignoredPackets++;
      return;
    }
    const gap = this.expectedSequence !== null && info.sequence !== this.expectedSequence;
    this.expectedSequence = (info.sequence + 1) & 0xffff;
    if (gap) this.lost();
    if (this.timestamp !== null && info.timestamp !== this.timestamp) {
      this.finishFrame(receivedAt);
      // the lost packet may as well have been the first of this frame
      if (gap) this.spoilt = true;
    }
    this.timestamp = info.timestamp;
    this.collect(packet, info);
    // the marker bit ends the access unit (RFC 6184 §5.1); a sender without it ends it by the next timestamp
    if (info.marker) this.finishFrame(receivedAt);
  }

  private collect(packet: Buffer, info: RtpInfo): void {
    const payload = packet.subarray(info.payloadOffset, info.payloadEnd);
    if (nalType(payload) !== FU_A) {
      // a fragmented unit interrupted by another packet lost its end
      if (this.fragment) this.lost();
      for (const nal of completeNals(packet, info)) this.addNal(Buffer.from(nal));
      return;
    }
    if (payload.length < 2) return this.lost();
    const header = payload[1]!;
    const start = (header & 0x80) !== 0;
    const end = (header & 0x40) !== 0;
    if (start) {
      if (this.fragment) this.lost();
      // the NAL header is rebuilt from the FU indicator's F and NRI bits and the FU header's type
      this.fragment = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
    } else if (!this.fragment) {
      return; // the start was lost (already counted as a sequence gap)
    }
    this.fragment.push(Buffer.from(payload.subarray(2)));
    if (end) {
      const nal = Buffer.concat(this.fragment);
      this.fragment = null;
      this.addNal(nal);
    }
  }

  private addNal(nal: Buffer): void {
    const type = nalType(nal);
    if (type === NAL.SPS) this.sps = nal;
    else if (type === NAL.PPS) this.pps = nal;
    else if (type !== NAL.AUD && nal.length > 0) {
      this.nals.push(nal);
      this.bytes += nal.length;
      if (this.bytes > MAX_ACCESS_UNIT_BYTES) this.lost();
    }
  }

  private lost(): void {
    this.counters.losses++;
    this.spoilt = true;
    this.needIdr = true;
    this.fragment = null;
  }

  private finishFrame(receivedAt: number): void {
    const nals = this.nals;
    const timestamp = this.timestamp;
    const spoilt = this.spoilt || this.fragment !== null;
    this.discardFrame();
    if (timestamp === null || !nals.some((n) => nalType(n) >= NAL.SLICE && nalType(n) <= NAL.IDR)) return;
    const idr = nals.some((n) => nalType(n) === NAL.IDR);
    const pts90k = this.unwrap(timestamp);
    if (spoilt || (this.needIdr && !idr) || (idr && !(this.sps && this.pps))) {
      this.counters.droppedAccessUnits++;
      return;
    }
    this.needIdr = false;
    this.counters.accessUnits++;
    this.emit({ nals, idr, pts90k, receivedAt, ...(idr ? { parameterSets: { sps: this.sps!, pps: this.pps! } } : {}) });
  }

  private discardFrame(): void {
    this.nals = [];
    this.bytes = 0;
    this.fragment = null;
    this.spoilt = false;
    this.timestamp = null;
  }

  /** RTP timestamps wrap every 13 h at 90 kHz: extend them by the signed 32-bit difference. */
  private unwrap(timestamp: number): number {
    if (this.lastRtpTimestamp === null) {
      this.extendedTimestamp = timestamp;
    } else {
      let delta = timestamp - this.lastRtpTimestamp;
      if (delta > TIMESTAMP_WRAP / 2) delta -= TIMESTAMP_WRAP;
      else if (delta < -TIMESTAMP_WRAP / 2) delta += TIMESTAMP_WRAP;
      this.extendedTimestamp += delta;
    }
    this.lastRtpTimestamp = timestamp;
    return this.extendedTimestamp;
  }
}
