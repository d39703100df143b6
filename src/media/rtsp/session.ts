/**
 * Vigil's own RTSP client session: holds a camera's stream so no other process needs its URL
 * (and so its password). OPTIONS → DESCRIBE → SETUP (RTP over the RTSP connection, interleaved) →
 * PLAY, keep-alives at half the server's session timeout, TEARDOWN on close. Emits the H.264
 * track once, then every RTP packet of it; ends with one classified Failure (or null when closed
 * by its owner). Nothing received can throw out of it or grow its buffers beyond fixed bounds.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../core/log.ts';
import { classifyRtsp, type Failure, type RtspOutcome } from '../failure.ts';
import { RtspClientConnection, RtspEndedError, type RtspEnd, type RtspResponse } from './connection.ts';
import { pickH264Track, type H264TrackInfo } from './sdp.ts';
import { parseRtspTarget, type RtspTarget } from './target.ts';

export interface RtspSessionOptions {
  /** may carry user:password (used for Authorization only) or CP PLUS path credentials */
  url: string;
  /** connecting, and waiting for each response */
  timeoutMs?: number;
  /** no RTP for this long after PLAY ends the session as stalled */
  stallMs?: number;
  /** an interleaved frame longer than this means the stream lost its framing */
  maxFrameBytes?: number;
  log?: Logger;
}

export interface RtspSessionEvents {
  /** once, before the first packet */
  track: [H264TrackInfo];
  /** one RTP packet of the video track; a view into received bytes, copy it to keep it */
  rtp: [Buffer];
  /** once: the Failure that ended the session, or null when close() ended it */
  close: [Failure | null];
}

/** RFC 2326 §12.37: the session timeout when the server does not name one */
const DEFAULT_SESSION_TIMEOUT_SEC = 60;
// RTP over TCP from a camera stays near the path MTU (~1.5 KB); a length far beyond that means
// the byte stream lost its framing, and waiting for 64 KB of it would only delay the error
const DEFAULT_MAX_FRAME_BYTES = 32 * 1024;

export class RtspSession extends EventEmitter<RtspSessionEvents> {
  private readonly timeoutMs: number;
  private readonly stallMs: number;
  private connection: RtspClientConnection | undefined;
  private rtpChannel = -1;
  private sessionId: string | undefined;
  private aggregateUrl = '';
  private packets = 0;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly opts: RtspSessionOptions) {
    super();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.stallMs = opts.stallMs ?? 10_000;
  }

  /** Connects and starts playing; the outcome arrives as events. */
  start(): void {
    let target: RtspTarget;
    try {
      target = parseRtspTarget(this.opts.url);
    } catch {
      // the URL is not repeated: it may hold the password
      queueMicrotask(() => this.finish({ what: 'malformed', detail: 'the camera URL is not an rtsp:// URL' }));
      return;
    }
    this.connection = new RtspClientConnection(target, {
      timeoutMs: this.timeoutMs,
      limits: { maxFrameBytes: this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES },
      onFrame: this.onFrame,
      onEnd: (end) => this.finish(outcomeOf(end)),
    });
    this.negotiate(this.connection, target.requestUrl).catch((err: unknown) => {
      if (err instanceof RtspEndedError) this.finish(outcomeOf(err.end));
      else this.finish({ what: 'malformed', detail: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Ends the session: TEARDOWN when one was set up, then the connection closes. */
  close(): void {
    if (this.closed) return;
    if (this.sessionId) this.connection?.notify('TEARDOWN', this.aggregateUrl, { Session: this.sessionId });
    this.end(null);
    this.connection?.closeAfterWrite();
  }

  private async negotiate(c: RtspClientConnection, url: string): Promise<void> {
    const options = await c.request('OPTIONS', url);
    // a server may refuse OPTIONS itself and still play: only credentials and a wrong path are final here
    if (options.status === 401 || options.status === 404) return this.refused(options);
    const described = await c.request('DESCRIBE', url, { Accept: 'application/sdp' });
    if (described.status !== 200) return this.refused(described);
    const base = described.headers.get('content-base') ?? absolute(described.headers.get('content-location')) ?? url;
    const track = pickH264Track(described.body.toString('utf8'), base);
    if (!track) return this.finish({ what: 'no_h264' });
    const setup = await c.request('SETUP', track.control, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    if (setup.status !== 200) return this.refused(setup);
    const session = /^([^;\s]+)(?:.*;\s*timeout=(\d+))?/.exec(setup.headers.get('session') ?? '');
    if (!session) return this.finish({ what: 'malformed', detail: 'SETUP answer without a Session' });
    this.sessionId = session[1]!;
    this.aggregateUrl = track.aggregateControl;
    this.rtpChannel = Number(/interleaved=(\d+)/.exec(setup.headers.get('transport') ?? '')?.[1] ?? 0);
    if (this.closed) return;
    this.emit('track', track.info);
    const play = await c.request('PLAY', this.aggregateUrl, { Session: this.sessionId, Range: 'npt=0.000-' });
    if (play.status !== 200) return this.refused(play);
    if (this.closed) return;
    this.opts.log?.debug({ payload_type: track.info.payloadType }, 'rtsp session playing');
    const keepAlive = /\bGET_PARAMETER\b/i.test(options.headers.get('public') ?? '') ? 'GET_PARAMETER' : 'OPTIONS';
    const timeoutSec = Number(session[2] ?? DEFAULT_SESSION_TIMEOUT_SEC) || DEFAULT_SESSION_TIMEOUT_SEC;
    this.timers.push(setInterval(() => c.notify(keepAlive, this.aggregateUrl, { Session: this.sessionId }), (timeoutSec * 1000) / 2));
    this.watchForStall();
  }

  /** Fails the session once no RTP packet arrived for stallMs (checked a few times per period). */
  private watchForStall(): void {
    let seen = this.packets;
    let quietSince = Date.now();
    this.timers.push(setInterval(() => {
      const now = Date.now();
      if (this.packets !== seen) {
        seen = this.packets;
        quietSince = now;
      } else if (now - quietSince >= this.stallMs) {
        this.finish({ what: 'stalled', seconds: Math.round(this.stallMs / 1000) });
      }
    }, Math.min(1000, this.stallMs / 4)));
  }

  private readonly onFrame = (channel: number, payload: Buffer): void => {
    // RTCP (the odd channel) is dropped: over TCP the connection itself shows the client is alive
    if (channel !== this.rtpChannel || this.closed) return;
    this.packets += 1;
    this.emit('rtp', payload);
  };

  private refused(r: RtspResponse): void {
    this.finish({ what: 'status', status: r.status, reason: r.reason });
  }

  private finish(outcome: RtspOutcome | null): void {
    if (this.closed) return;
    this.end(outcome && classifyRtsp(outcome));
    this.connection?.close();
  }

  private end(failure: Failure | null): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (failure) this.opts.log?.debug({ kind: failure.kind, cause: failure.cause }, 'rtsp session ended');
    this.emit('close', failure);
  }
}

/** Content-Location may be relative; only an absolute one can serve as the base. */
const absolute = (url: string | undefined): string | undefined => (url && /^rtsps?:\/\//i.test(url) ? url : undefined);

function outcomeOf(end: RtspEnd): RtspOutcome | null {
  switch (end.why) {
    case 'local':
      return null;
    case 'network':
      return { what: 'network', code: end.code };
    case 'protocol':
      return end.answered ? { what: 'malformed', detail: end.detail } : { what: 'not_rtsp' };
    case 'closed':
      return { what: 'ended' };
  }
}
