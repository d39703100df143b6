/**
 * The packets of the current group of pictures, from the last IDR access unit up to the packet just
 * received, grouped by frame (RTP timestamp). A viewer who joins now gets these at once and can
 * decode from its first packet on.
 */
import { NAL, nalType } from '../h264.ts';
import { carriesParameterSets, completeNals, parameterSetPacket, startedNalTypes, startsIdr, type RtpInfo } from './h264-rtp.ts';

export interface CachedFrame {
  timestamp: number;
  packets: Buffer[];
}

interface Frame extends CachedFrame {
  hasParameterSets: boolean;
}

// a source whose IDRs stop coming (or a GOP of many seconds) must not grow memory without bound
const MAX_FRAMES = 600;
const MAX_BYTES = 16 * 1024 * 1024;

export class GopCache {
  private frames: Frame[] = [];
  private bytes = 0;
  private hasIdr = false;
  /** latest parameter sets, in-band or from the source's SDP (sprop-parameter-sets) */
  sps: Buffer | undefined;
  pps: Buffer | undefined;

  /** true once an IDR has been seen: a snapshot is decodable */
  get ready(): boolean {
    return this.hasIdr;
  }

  get frameCount(): number {
    return this.frames.length;
  }

  push(packet: Buffer, info: RtpInfo): void {
    const types = startedNalTypes(packet, info);
    for (const nal of completeNals(packet, info)) {
      if (nalType(nal) === NAL.SPS) this.sps = Buffer.from(nal);
      if (nalType(nal) === NAL.PPS) this.pps = Buffer.from(nal);
    }
    let frame = this.frames.at(-1);
    if (!frame || frame.timestamp !== info.timestamp) {
      // before the first IDR only the frame in progress matters (its IDR slice may still come)
      if (!this.hasIdr) this.clear();
      frame = { timestamp: info.timestamp, packets: [], hasParameterSets: false };
      this.frames.push(frame);
    }
    frame.packets.push(packet);
    frame.hasParameterSets ||= carriesParameterSets(types);
    this.bytes += packet.length;
    if (startsIdr(types)) {
      if (this.frames[0] !== frame) this.restartAt(frame);
      this.hasIdr = true;
    }
    if (this.frames.length > MAX_FRAMES || this.bytes > MAX_BYTES) this.reset();
  }

  /** The cached GOP, with SPS/PPS injected before the IDR when the source sent them out of band. */
  snapshot(payloadType: number): CachedFrame[] {
    if (!this.hasIdr) return [];
    const [head, ...rest] = this.frames;
    if (!head) return [];
    const packets = [...head.packets];
    if (!head.hasParameterSets && this.sps && this.pps) packets.unshift(parameterSetPacket(this.sps, this.pps, { payloadType, timestamp: head.timestamp, ssrc: 0 }));
    return [{ timestamp: head.timestamp, packets }, ...rest.map((f) => ({ timestamp: f.timestamp, packets: [...f.packets] }))];
  }

  /** Forgets the GOP (the source restarted or overflowed); parameter sets are kept. */
  reset(): void {
    this.clear();
    this.hasIdr = false;
  }

  private clear(): void {
    this.frames = [];
    this.bytes = 0;
  }

  private restartAt(frame: Frame): void {
    this.frames = [frame];
    this.bytes = frame.packets.reduce((n, p) => n + p.length, 0);
  }
}
