/**
 * One camera's H.264 RTP (its live feed) fanned out to every WebRTC viewer: one upstream however
 * many viewers, the last GOP cached so that a new viewer starts at once, each viewer with its own
 * sequence numbers and timestamps.
 */
import type { Logger } from '../../core/log.ts';
import type { RtpPacketSource } from '../feed/camera-feed.ts';
import { GopCache } from './gop-cache.ts';
import { parseRtp, profileLevelIdOf } from './h264-rtp.ts';
import { RtpRewriter } from './rtp-rewriter.ts';
import type { SourceCodec } from './source-sdp.ts';

export interface RtpFanoutOptions {
  /** the camera's packets, and their codec: payload type, profile-level-id and out-of-band SPS/PPS */
  source: RtpPacketSource;
  log: Logger;
}

export interface FanoutViewer {
  /** asks for a decodable picture again (the viewer sent PLI/FIR) */
  requestKeyframe(): void;
  close(): void;
}

interface Viewer {
  rewriter: RtpRewriter;
  /** no decodable start sent yet: the next snapshot of the cache goes first */
  waiting: boolean;
  lastBurstAt: number;
}

// a viewer that keeps sending PLI (e.g. while its decoder starts) gets the GOP again at most this often
const MIN_REBURST_INTERVAL_MS = 1000;

export class RtpFanout {
  private readonly cache = new GopCache();
  private readonly viewers = new Set<Viewer>();
  private unsubscribe: (() => void) | undefined;
  private ssrc: number | undefined;
  private packetsIn = 0;
  private packetsIgnored = 0;

  constructor(private readonly opts: RtpFanoutOptions) {}

  async start(): Promise<void> {
    this.adoptSourceCodec();
    // a feed that always flows is taken from the start (the cache warm for the first viewer); a
    // demand-driven one only while someone watches: it resumes with its current GOP
    if (!this.opts.source.demandDriven) this.subscribe();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.viewers.clear();
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  stats(): { packets: number; ignored: number; viewers: number; cachedFrames: number } {
    return { packets: this.packetsIn, ignored: this.packetsIgnored, viewers: this.viewers.size, cachedFrames: this.cache.frameCount };
  }

  /**
   * The stream's `profile-level-id` (in-band SPS first, then the feed's codec), once known; waits up
   * to `timeoutMs` for the first SPS when neither has it yet.
   */
  async profileLevelId(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const known = this.cache.sps ? profileLevelIdOf(this.cache.sps) : this.source?.profileLevelId;
      if (known || Date.now() >= deadline) return known;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Adds a viewer; `write` gets its packets (burst of the cached GOP first, then live). */
  addViewer(write: (packet: Buffer) => void): FanoutViewer {
    const viewer: Viewer = { rewriter: new RtpRewriter(write), waiting: true, lastBurstAt: 0 };
    this.subscribe();
    this.viewers.add(viewer);
    this.startIfReady(viewer);
    return {
      requestKeyframe: () => {
        if (Date.now() - viewer.lastBurstAt < MIN_REBURST_INTERVAL_MS) return;
        viewer.waiting = true;
        this.startIfReady(viewer);
      },
      close: () => {
        this.viewers.delete(viewer);
        if (this.viewers.size > 0 || !this.opts.source.demandDriven) return;
        this.unsubscribe?.();
        this.unsubscribe = undefined;
        this.cache.reset();
      },
    };
  }

  private subscribe(): void {
    this.unsubscribe ??= this.opts.source.onPacket((packet) => this.receive(packet));
  }

  private receive(packet: Buffer): void {
    if (!this.cache.sps) this.adoptSourceCodec();
    const info = parseRtp(packet);
    if (!info || (this.source && info.payloadType !== this.source.payloadType)) {
      this.packetsIgnored++;
      return;
    }
    this.packetsIn++;
    const ssrc = packet.readUInt32BE(8);
    if (ssrc !== this.ssrc) this.sourceRestarted(ssrc);
    this.cache.push(packet, info);
    for (const viewer of this.viewers) {
      if (!viewer.waiting) viewer.rewriter.forward(packet, info.timestamp);
      else this.startIfReady(viewer);
    }
  }

  /** A new ffmpeg (new SSRC, sequence and timestamps): every viewer restarts at the next IDR. */
  private sourceRestarted(ssrc: number): void {
    if (this.ssrc !== undefined) this.opts.log.info('RTP source restarted; viewers resume at the next IDR');
    this.ssrc = ssrc;
    this.cache.reset();
    for (const viewer of this.viewers) viewer.waiting = true;
    this.adoptSourceCodec();
  }

  private startIfReady(viewer: Viewer): void {
    if (!this.cache.ready) return;
    viewer.rewriter.burst(this.cache.snapshot(this.source?.payloadType ?? 96));
    viewer.waiting = false;
    viewer.lastBurstAt = Date.now();
  }

  /** The feed is the one place the codec is known (from ffmpeg's SDP or the RTSP session), read each time: it changes with the source. */
  private get source(): SourceCodec | undefined {
    return this.opts.source.codec;
  }

  /** Out-of-band parameter sets for a source that sends none in-band. */
  private adoptSourceCodec(): void {
    const source = this.source;
    if (!source) return;
    this.cache.sps ??= source.sps;
    this.cache.pps ??= source.pps;
  }
}
