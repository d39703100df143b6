/**
 * One RTSP client connection of the simulated DVR: OPTIONS, DESCRIBE, SETUP (TCP interleaved only),
 * PLAY, GET_PARAMETER/SET_PARAMETER keep-alives and TEARDOWN. The session lives and dies with the
 * connection, as RTP-over-RTSP sessions do.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import type { FrameClock } from './frame-clock.ts';
import type { H264Clip } from '../media/h264.ts';
import { PlaySession } from './play-session.ts';
import { formatResponse, RtspRequestReader, type RtspRequest } from './rtsp-message.ts';
import { resolveTarget, type DvrAccount, type StreamIndex } from './rtsp-target.ts';
import { buildSdp } from './sdp.ts';

export interface DvrContext {
  account: DvrAccount;
  clips: Record<StreamIndex, H264Clip>;
  clock: FrameClock;
  clipOffset(channel: number, stream: StreamIndex): number;
  /** a client that neither sends nor accepts data for this long is dropped (RTSP session timeout) */
  sessionTimeoutSec: number;
  log: Logger;
}

interface Reply {
  status: number;
  headers?: Record<string, string | number | undefined>;
  body?: string;
  /** runs once the reply is on the wire (RTP must not overtake the PLAY response) */
  afterSend?: () => void;
}

interface Session {
  id: string;
  channel: number;
  stream: StreamIndex;
  url: string;
  interleaved: number;
  stopPlaying?: () => void;
}

const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
const SERVER = 'Vigil DVR simulator (CP PLUS ORANGE)';
const REALM = 'Basic realm="CP PLUS DVR"';

export class RtspConnection {
  private readonly reader = new RtspRequestReader();
  private session: Session | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: DvrContext,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(ctx.sessionTimeoutSec * 1000, () => socket.destroy());
    socket.on('data', this.onData);
    socket.on('error', (err) => ctx.log.debug({ err }, 'client connection error'));
    socket.on('close', () => this.session?.stopPlaying?.());
  }

  private readonly onData = (chunk: Buffer): void => {
    let requests: RtspRequest[];
    try {
      requests = this.reader.push(chunk);
    } catch (err) {
      // the byte stream cannot be re-framed after garbage: answer once and hang up
      this.ctx.log.debug({ err }, 'malformed RTSP request');
      this.socket.end(formatResponse(400, { Server: SERVER }));
      return;
    }
    for (const request of requests) this.handle(request);
  };

  private handle(request: RtspRequest): void {
    if (this.socket.destroyed) return;
    const cseq = request.headers.get('cseq');
    const reply: Reply = cseq === undefined ? { status: 400 } : this.dispatch(request);
    this.ctx.log.debug({ method: request.method, url: redact(request.url), status: reply.status }, 'rtsp request');
    const headers = { CSeq: cseq, Server: SERVER, ...reply.headers };
    if (reply.body) Object.assign(headers, { 'Content-Type': 'application/sdp' });
    this.socket.write(formatResponse(reply.status, headers, reply.body));
    reply.afterSend?.();
  }

  private dispatch(request: RtspRequest): Reply {
    switch (request.method) {
      case 'OPTIONS':
        return { status: 200, headers: { Public: PUBLIC_METHODS } };
      case 'DESCRIBE':
        return this.describe(request);
      case 'SETUP':
        return this.setup(request);
      case 'PLAY':
        return this.play(request);
      case 'TEARDOWN':
        return this.teardown(request);
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return this.withSession(request, (s) => ({ status: 200, headers: { Session: s.id } }), true);
      default:
        return { status: 501 };
    }
  }

  private describe(request: RtspRequest): Reply {
    const target = resolveTarget(request.url, this.ctx.account);
    if (!target.ok) return this.refusal(target.status, request);
    const clip = this.ctx.clips[target.stream];
    const body = buildSdp({
      clip,
      fps: this.ctx.clock.fps,
      serverAddress: this.socket.localAddress ?? '127.0.0.1',
      sessionId: randomInt(1, 2 ** 31),
      title: `CP PLUS DVR channel ${target.channel} ${target.stream === 0 ? 'main' : 'sub'} stream`,
    });
    return { status: 200, headers: { 'Content-Base': `${request.url}/` }, body };
  }

  private setup(request: RtspRequest): Reply {
    const target = resolveTarget(request.url, this.ctx.account);
    if (!target.ok) return this.refusal(target.status, request);
    if (this.session) return { status: 455 };
    const interleaved = tcpInterleavedChannel(request.headers.get('transport'));
    // UDP is refused like on a DVR behind NAT; ffmpeg then retries over TCP by itself
    if (interleaved === undefined) return { status: 461 };
    this.session = { id: randomBytes(8).toString('hex'), channel: target.channel, stream: target.stream, url: request.url, interleaved };
    return {
      status: 200,
      headers: {
        Transport: `RTP/AVP/TCP;unicast;interleaved=${interleaved}-${interleaved + 1};mode="PLAY"`,
        Session: `${this.session.id};timeout=${this.ctx.sessionTimeoutSec}`,
      },
    };
  }

  private play(request: RtspRequest): Reply {
    return this.withSession(request, (s) => {
      if (s.stopPlaying) return { status: 200, headers: { Session: s.id } };
      const seq = randomInt(0, 0x10000);
      const rtptime = randomInt(0, 2 ** 32);
      return {
        status: 200,
        headers: { Session: s.id, Range: 'npt=0.000-', 'RTP-Info': `url=${s.url};seq=${seq};rtptime=${rtptime}` },
        afterSend: () => this.startPlaying(s, seq, rtptime),
      };
    });
  }

  private teardown(request: RtspRequest): Reply {
    return this.withSession(request, (s) => {
      s.stopPlaying?.();
      this.session = undefined;
      return { status: 200 };
    });
  }

  private startPlaying(s: Session, initialSeq: number, initialRtpTime: number): void {
    const player = new PlaySession({
      socket: this.socket,
      clip: this.ctx.clips[s.stream],
      clipOffset: this.ctx.clipOffset(s.channel, s.stream),
      fps: this.ctx.clock.fps,
      interleavedChannel: s.interleaved,
      ssrc: randomInt(0, 2 ** 32),
      initialSeq,
      initialRtpTime,
    });
    s.stopPlaying = this.ctx.clock.subscribe(player.onFrame);
  }

  /** Runs `action` on this connection's session; 454 if the request names another (or none, unless optional). */
  private withSession(request: RtspRequest, action: (s: Session) => Reply, optional = false): Reply {
    const id = request.headers.get('session')?.split(';')[0]?.trim();
    if (id === undefined && optional) return { status: 200 };
    if (!this.session || id !== this.session.id) return { status: 454 };
    return action(this.session);
  }

  private refusal(status: 401 | 404, request: RtspRequest): Reply {
    this.ctx.log.info({ method: request.method, url: redact(request.url), status }, status === 401 ? 'refused: wrong credentials' : 'refused: no such stream');
    return status === 401 ? { status, headers: { 'WWW-Authenticate': REALM } } : { status };
  }
}

/** The interleaved RTP channel of the first TCP transport the client offers; undefined if it offers none. */
function tcpInterleavedChannel(transport: string | undefined): number | undefined {
  for (const spec of (transport ?? '').split(',')) {
    const params = spec.trim().split(';');
    if (params[0]?.toUpperCase() !== 'RTP/AVP/TCP') continue;
    const m = /^interleaved=(\d+)/.exec(params.find((p) => p.startsWith('interleaved=')) ?? 'interleaved=0');
    const channel = Number(m?.[1]);
    return channel <= 254 ? channel : undefined;
  }
  return undefined;
}
