/**
 * The client end of one RTSP connection: requests out, responses back in order (RTSP answers
 * requests on a connection in the order they were sent), interleaved frames passed through, and
 * one end reason however the connection ends. Credentials go in Authorization headers only.
 */
import net from 'node:net';
import tls from 'node:tls';
import { authenticatorFor, type Authenticator } from './auth.ts';
import { formatRequest, parseStatusLine, RtspReader, type RtspMessage, type RtspReaderLimits } from './message.ts';
import type { RtspTarget } from './target.ts';

export interface RtspResponse {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** Why a connection ended. */
export type RtspEnd =
  /** connect or read failed: an errno code (ECONNREFUSED, EHOSTUNREACH…) or 'timeout' */
  | { why: 'network'; code: string }
  /** the peer does not speak RTSP (answered: false), or broke its framing later */
  | { why: 'protocol'; detail: string; answered: boolean }
  /** the peer closed (or reset) the connection after speaking RTSP */
  | { why: 'closed' }
  | { why: 'local' };

export class RtspEndedError extends Error {
  constructor(readonly end: RtspEnd) {
    super(end.why === 'network' ? `RTSP connection failed: ${end.code}` : end.why === 'protocol' ? `not RTSP: ${end.detail}` : `RTSP connection ${end.why === 'closed' ? 'closed by the server' : 'closed'}`);
  }
}

export interface RtspConnectionOptions {
  /** for connecting and for each response */
  timeoutMs: number;
  limits?: Partial<RtspReaderLimits>;
  userAgent?: string;
  onFrame?(channel: number, payload: Buffer): void;
  onEnd?(end: RtspEnd): void;
}

interface Pending {
  resolve(r: RtspResponse): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

const REQUEST_LINE = /^[A-Z][A-Z_]* \S+ RTSP\/1\.0$/;
const STATUS_PREFIX = 'RTSP/1.';
const READ_BUFFER_BYTES = 64 * 1024;

/** A response ("RTSP/1.0 200") or a request from the server ("GET_PARAMETER rtsp://…") may start so. */
function plausibleStart(prefix: string): boolean {
  if (prefix.length < STATUS_PREFIX.length ? STATUS_PREFIX.startsWith(prefix) : prefix.startsWith(STATUS_PREFIX)) return true;
  return /^[A-Z][A-Z_]*( |$)/.test(prefix);
}

export class RtspClientConnection {
  private readonly socket: net.Socket;
  private readonly reader: RtspReader;
  private readonly queue: Pending[] = [];
  private cseq = 0;
  private authenticator: Authenticator | undefined;
  private ended: RtspEnd | undefined;
  private answered = false;
  private readonly connectTimer: NodeJS.Timeout;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  constructor(
    private readonly target: RtspTarget,
    private readonly opts: RtspConnectionOptions,
  ) {
    this.reader = new RtspReader({ message: this.onMessage, frame: opts.onFrame, plausibleStart }, opts.limits);
    // plain TCP reads into one reused buffer (no allocation and no stream machinery per read)
    this.socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false })
      : net.connect({ host: target.host, port: target.port, onread: { buffer: this.readBuffer, callback: (n) => this.onData(this.readBuffer.subarray(0, n)) } });
    this.connectTimer = setTimeout(() => this.end({ why: 'network', code: 'timeout' }), opts.timeoutMs);
    this.socket.setNoDelay(true);
    this.socket.once(target.tls ? 'secureConnect' : 'connect', () => clearTimeout(this.connectTimer));
    this.socket.on('data', this.onData);
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      // a server that spoke RTSP and then reset the connection (a DVR process killed while it had
      // unread data) has closed it as surely as one that sent FIN
      if (this.answered && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) this.end({ why: 'closed' });
      else this.end({ why: 'network', code: e.code ?? e.message });
    });
    this.socket.on('close', () => this.end(this.answered ? { why: 'closed' } : this.socket.bytesRead > 0 ? { why: 'protocol', detail: 'no RTSP response', answered: false } : { why: 'closed' }));
  }

  get endReason(): RtspEnd | undefined {
    return this.ended;
  }

  /**
   * Sends a request and resolves with its response. A 401 is answered once with the URL's
   * credentials (the Authorization then goes with every later request); a second 401 resolves.
   * Rejects with RtspEndedError when the connection ends first or no response comes in time.
   */
  async request(method: string, url: string, headers: Record<string, string | number | undefined> = {}): Promise<RtspResponse> {
    const response = await this.send(method, url, headers);
    const creds = this.target.credentials;
    if (response.status !== 401 || !creds || this.authenticator) return response;
    this.authenticator = authenticatorFor(response.headers.get('www-authenticate') ?? '', creds);
    return this.authenticator ? this.send(method, url, headers) : response;
  }

  /** Sends a request nobody waits for (keep-alive, TEARDOWN); its response is read and dropped. */
  notify(method: string, url: string, headers: Record<string, string | number | undefined> = {}): void {
    this.send(method, url, headers, false).catch(() => {});
  }

  close(): void {
    this.end({ why: 'local' });
  }

  /** Sends what is queued, then closes (a TEARDOWN must reach the server before the FIN). */
  closeAfterWrite(): void {
    if (this.ended) return;
    this.socket.end();
    // a server that never closes its side must not keep the socket open
    setTimeout(() => this.socket.destroy(), this.opts.timeoutMs).unref();
    this.end({ why: 'local' }, false);
  }

  private send(method: string, url: string, headers: Record<string, string | number | undefined>, timed = true): Promise<RtspResponse> {
    if (this.ended) return Promise.reject(new RtspEndedError(this.ended));
    this.cseq += 1;
    const all = { CSeq: this.cseq, 'User-Agent': this.opts.userAgent ?? 'Vigil', Authorization: this.authenticator?.header(method, url), ...headers };
    return new Promise<RtspResponse>((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      if (timed) pending.timer = setTimeout(() => this.end({ why: 'network', code: 'timeout' }), this.opts.timeoutMs);
      this.queue.push(pending);
      this.socket.write(formatRequest(method, url, all));
    });
  }

  private readonly onData = (chunk: Buffer): boolean => {
    if (this.ended) return false;
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.end({ why: 'protocol', detail: (err as Error).message, answered: this.answered });
    }
    return true;
  };

  private readonly onMessage = (m: RtspMessage): void => {
    if (this.ended) return;
    const status = parseStatusLine(m.startLine);
    if (!status) {
      // a server may send requests of its own (ANNOUNCE, GET_PARAMETER): nothing here needs them
      if (REQUEST_LINE.test(m.startLine)) return;
      this.end({ why: 'protocol', detail: 'not an RTSP response', answered: this.answered });
      return;
    }
    this.answered = true;
    const pending = this.queue.shift();
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.resolve({ ...status, headers: m.headers, body: m.body });
  };

  private end(reason: RtspEnd, destroy = true): void {
    if (this.ended) return;
    this.ended = reason;
    clearTimeout(this.connectTimer);
    if (destroy) this.socket.destroy();
    const error = new RtspEndedError(reason);
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.opts.onEnd?.(reason);
  }
}
