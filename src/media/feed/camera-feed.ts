/**
 * A camera's live H.264 as it arrives in this process: RTP on a loopback UDP port (from an ffmpeg
 * holding the camera's RTSP session), or pushed in by Vigil's own RTSP session, depacketised once. Consumers subscribe to the packets
 * (WebRTC forwards them) or to access units (frames for analysis, snapshots); the newest IDR is
 * kept, so a snapshot needs no decoder running.
 *
 * Consumers claim the feed while they need it (claim(), and onPacket for as long as it listens).
 * A demand-driven feed (Vigil's own RTSP session, on the ingest thread) receives packets only
 * while claimed: its 'demand' event tells the source, which resumes with the current GOP.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../core/log.ts';
import { parseSourceSdp, type SourceCodec } from '../webrtc/source-sdp.ts';
import { Demand } from './demand.ts';
import { H264Depacketizer } from './h264-depacketizer.ts';
import type { TimedAccessUnit } from './timed-access-unit.ts';

export interface CameraFeedEvents {
  rtp: [Buffer];
  accessUnit: [TimedAccessUnit];
  /** a new source (another connection): timestamps and sequence numbers start afresh */
  sourceRestarted: [];
  /** a demand-driven feed's packets are wanted (the first claim) or no longer (the last release) */
  demand: [boolean];
}

/** What WebRTC needs of a feed: its packets and what they carry. */
export interface RtpPacketSource {
  onPacket(listener: (packet: Buffer) => void): () => void;
  /** payload type, profile and out-of-band parameter sets of the packets; undefined until known */
  readonly codec: SourceCodec | undefined;
  /** packets flow only while a listener is subscribed (and resume with the current GOP) */
  readonly demandDriven?: boolean;
}

const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
const isRtcp = (packet: Buffer): boolean => packet[1]! >= 200 && packet[1]! <= 207;

export class CameraFeed extends EventEmitter<CameraFeedEvents> implements RtpPacketSource {
  private socket: Socket | undefined;
  private depacketizer: H264Depacketizer;
  private ssrc: number | undefined;
  private sourceCodec: SourceCodec | undefined;
  /** the codec comes from the RTSP session in this process (setSource), not from ffmpeg's SDP file */
  private sessionCodec = false;
  /** the newest IDR access unit (with its parameter sets): a picture decodable on its own */
  private newestIdr: TimedAccessUnit | undefined;
  /** Date.now() of the last packet; null before the first */
  lastPacketAt: number | null = null;

  private readonly demand = new Demand((wanted) => this.demandChanged(wanted));

  /** @param o.demandDriven packets arrive only while the feed is claimed (its source follows the 'demand' event) */
  constructor(private readonly o: { port: number; sdpPath: string; log: Logger; demandDriven?: boolean }) {
    super();
    this.depacketizer = this.newDepacketizer();
  }

  /** Binds the UDP port (0: any free one); resolves with the port bound. */
  async start(): Promise<number> {
    const socket = createSocket('udp4');
    socket.on('message', (packet) => this.receive(packet));
    socket.on('error', (err) => this.o.log.error({ err, port: this.o.port }, 'RTP socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.o.port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch {
      // the kernel's limit applies; a larger buffer only absorbs longer event-loop stalls
    }
    this.socket = socket;
    // an SDP already there (a source that connected before this feed listened) tells the codec now
    if (!this.sessionCodec) await this.readSdp();
    return socket.address().port;
  }

  get port(): number {
    return this.socket?.address().port ?? this.o.port;
  }

  get sdpPath(): string {
    return this.o.sdpPath;
  }

  /** The one place the feed's codec is known: every consumer (depacketiser, WebRTC) reads it here. */
  get codec(): SourceCodec | undefined {
    return this.sourceCodec;
  }

  /**
   * A new source connected in this process (an RTSP session): its track tells the codec, and
   * whatever came before is another source even when the camera reuses its SSRC.
   */
  setSource(codec: SourceCodec): void {
    const restarted = this.ssrc !== undefined;
    this.sessionCodec = true;
    this.sourceCodec = codec;
    this.ssrc = undefined;
    this.newestIdr = undefined;
    this.depacketizer = this.newDepacketizer();
    if (restarted) this.emit('sourceRestarted');
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  get demandDriven(): boolean {
    return this.o.demandDriven ?? false;
  }

  /** A consumer needs the feed (its packets and access units) until it calls the release returned. */
  claim(reason: string): () => void {
    return this.demand.claim(reason);
  }

  /** A claim kept while `use()` is called at least every `idleMs` (players polling LL-HLS). */
  claimWhileUsed(reason: string, idleMs: number): { use(): void; stop(): void } {
    return this.demand.whileUsed(reason, idleMs);
  }

  /** What claims the feed now, e.g. ['analysis', 'webrtc']; empty: a demand-driven feed receives nothing. */
  get claimedBy(): string[] {
    return this.demand.reasons;
  }

  /** Packets to `listener` (claiming the feed) until the function returned is called. */
  onPacket(listener: (packet: Buffer) => void): () => void {
    this.on('rtp', listener);
    const release = this.claim('webrtc');
    return () => {
      this.off('rtp', listener);
      release();
    };
  }

  /**
   * The newest IDR access unit, or undefined while none has arrived from the current source — or,
   * for a demand-driven feed, while it is not claimed (what it kept from before would be stale).
   */
  get latestIdr(): TimedAccessUnit | undefined {
    return this.demandDriven && !this.demand.wanted ? undefined : this.newestIdr;
  }

  /** The next IDR access unit to arrive, or undefined after `timeoutMs` without one. */
  nextIdr(timeoutMs: number): Promise<TimedAccessUnit | undefined> {
    return new Promise((resolve) => {
      const done = (au: TimedAccessUnit | undefined): void => {
        clearTimeout(timer);
        this.off('accessUnit', onUnit);
        resolve(au);
      };
      const onUnit = (au: TimedAccessUnit): void => {
        if (au.idr) done(au);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.on('accessUnit', onUnit);
    });
  }

  /** The source's packets start again after a pause (nobody wanted them): no loss, no new source. */
  resume(): void {
    this.depacketizer.resume();
  }

  depacketizerStats(): ReturnType<H264Depacketizer['stats']> {
    return this.depacketizer.stats();
  }

  /** For a packet that arrives some other way than the socket (tests, an in-process source). */
  receive(packet: Buffer): void {
    // RTCP (sender reports) may share the port: its packet types 200–207 read as RTP payload types 72–79
    if (packet.length < 12 || isRtcp(packet)) return;
    // packets sent before the source heard that nobody wants them any more: stale for the next claim
    if (this.demandDriven && !this.demand.wanted) return;
    this.lastPacketAt = Date.now();
    const ssrc = packet.readUInt32BE(8);
    if (ssrc !== this.ssrc) this.sourceRestarted(ssrc);
    this.emit('rtp', packet);
    this.depacketizer.push(packet, this.lastPacketAt);
  }

  private demandChanged(wanted: boolean): void {
    if (!this.demandDriven) return;
    this.o.log.debug({ wanted, claimed_by: this.demand.reasons }, wanted ? 'live packets wanted' : 'live packets no longer wanted');
    if (!wanted) this.newestIdr = undefined;
    this.emit('demand', wanted);
  }

  private sourceRestarted(ssrc: number): void {
    const first = this.ssrc === undefined;
    this.ssrc = ssrc;
    this.newestIdr = undefined;
    this.depacketizer.reset();
    // after setSource the first packet is that source's own start, already announced
    if (!first) this.emit('sourceRestarted');
    if (!this.sessionCodec) void this.readSdp();
  }

  /** The SDP tells the payload type and out-of-band parameter sets; it is written once the source connected. */
  private async readSdp(): Promise<void> {
    const text = await readFile(this.o.sdpPath, 'utf8').catch(() => undefined);
    const codec = text === undefined ? undefined : parseSourceSdp(text);
    const known = this.sourceCodec;
    if (!codec || (known && codec.payloadType === known.payloadType && codec.sps?.equals(known.sps ?? Buffer.alloc(0)))) return;
    this.sourceCodec = codec;
    this.depacketizer = this.newDepacketizer();
  }

  private newDepacketizer(): H264Depacketizer {
    return new H264Depacketizer((au) => {
      if (au.idr) this.newestIdr = au;
      this.emit('accessUnit', au);
    }, { payloadType: this.sourceCodec?.payloadType, parameterSets: { sps: this.sourceCodec?.sps, pps: this.sourceCodec?.pps } });
  }
}
