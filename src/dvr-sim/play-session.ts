/**
 * One client's playback of one channel: picks the channel's current frame on every clock tick,
 * starts (and resyncs) at an IDR, and writes RTP over the client's RTSP connection. Only bytes are
 * copied; nothing is decoded.
 */
import type { Socket } from 'node:net';
import type { H264Clip } from '../media/h264.ts';
import { H264Packetizer, interleave, RTP_CLOCK_RATE } from './rtp.ts';

// a client that stops reading (SIGSTOPped, stalled network) loses frames instead of growing memory
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

export interface PlaySessionOptions {
  socket: Socket;
  clip: H264Clip;
  /** frame of the clip shown at clock frame 0; channels differ so they do not look identical */
  clipOffset: number;
  fps: number;
  interleavedChannel: number;
  ssrc: number;
  initialSeq: number;
  /** RTP timestamp of the first frame sent (announced in RTP-Info) */
  initialRtpTime: number;
}

export class PlaySession {
  private readonly packetizer: H264Packetizer;
  private readonly ticksPerFrame: number;
  private waitingForIdr = true;
  private rtpTimeOffset: number | undefined;

  constructor(private readonly opts: PlaySessionOptions) {
    this.packetizer = new H264Packetizer({ sps: opts.clip.sps, pps: opts.clip.pps, ssrc: opts.ssrc, initialSeq: opts.initialSeq });
    this.ticksPerFrame = RTP_CLOCK_RATE / opts.fps;
  }

  readonly onFrame = (frame: number, contiguous: boolean): void => {
    const { socket, clip } = this.opts;
    if (socket.destroyed || !socket.writable) return;
    const unit = clip.frames[(frame + this.opts.clipOffset) % clip.frames.length]!;
    if (!contiguous || socket.writableLength > MAX_QUEUED_BYTES) this.waitingForIdr = true;
    if (this.waitingForIdr && (!unit.idr || socket.writableLength > MAX_QUEUED_BYTES)) return;
    this.waitingForIdr = false;
    // timestamps follow the clock, so they stay monotonic across clip loops and skipped frames
    this.rtpTimeOffset ??= this.opts.initialRtpTime - frame * this.ticksPerFrame;
    const packets = this.packetizer.packetizeFrame(unit, frame * this.ticksPerFrame + this.rtpTimeOffset);
    socket.write(interleave(this.opts.interleavedChannel, packets));
  };
}
