/**
 * RTSP/1.0 message framing (RFC 2326 §4 and §10.12) shared by both ends of a connection: text
 * messages (a start line, headers, an optional body) and interleaved binary frames (`$`, channel,
 * 16-bit length, payload) on one byte stream. The caller decides what a valid start line is
 * (request or response). Every size is bounded, so a peer sending garbage cannot grow memory.
 */

export class RtspParseError extends Error {}

export interface RtspMessage {
  startLine: string;
  /** names in lower case; a header sent more than once keeps each value on its own line (e.g. WWW-Authenticate: Basic, then Digest) */
  headers: Map<string, string>;
  body: Buffer;
}

export interface RtspReaderLimits {
  /** start line plus headers */
  maxHeadBytes: number;
  maxBodyBytes: number;
  /** an interleaved frame's payload; a larger length means the stream lost its framing */
  maxFrameBytes: number;
}

export interface RtspReaderHandlers {
  message(m: RtspMessage): void;
  /** a view into the received bytes: copy it to keep it beyond the current event */
  frame?(channel: number, payload: Buffer): void;
  /** whether a message may start with these (up to 16) bytes: rejects a non-RTSP peer before it sends a whole head */
  plausibleStart?(prefix: string): boolean;
}

export const DEFAULT_LIMITS: RtspReaderLimits = {
  maxHeadBytes: 8 * 1024,
  maxBodyBytes: 64 * 1024,
  // RTP over TCP from a camera stays near the path MTU (~1.5 KB); 64 KB is the format's ceiling
  maxFrameBytes: 65_535,
};

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** Feeds the byte stream of one connection; handlers run synchronously from `push`. */
export class RtspReader {
  private pending: Buffer = EMPTY;
  private readonly limits: RtspReaderLimits;

  constructor(
    private readonly handlers: RtspReaderHandlers,
    limits: Partial<RtspReaderLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Throws RtspParseError on bytes that are neither a message nor a frame; the stream cannot be re-framed after that. */
  push(chunk: Buffer): void {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (at < buf.length) {
      const first = buf[at]!;
      if (first === DOLLAR) {
        if (buf.length - at < 4) break;
        const length = buf.readUInt16BE(at + 2);
        if (length > this.limits.maxFrameBytes) throw new RtspParseError(`interleaved frame of ${length} bytes exceeds ${this.limits.maxFrameBytes}`);
        if (buf.length - at < 4 + length) break;
        this.handlers.frame?.(buf[at + 1]!, buf.subarray(at + 4, at + 4 + length));
        at += 4 + length;
        continue;
      }
      // some peers send empty lines between messages
      if (first === CR || first === LF) {
        at += 1;
        continue;
      }
      const headEnd = buf.indexOf(HEAD_END, at);
      if (headEnd < 0 || headEnd - at > this.limits.maxHeadBytes) {
        if (buf.length - at > this.limits.maxHeadBytes) throw new RtspParseError('message head too large');
        if (!isText(buf, at)) throw new RtspParseError('binary data where an RTSP message should start');
        if (this.handlers.plausibleStart?.(buf.toString('latin1', at, Math.min(buf.length, at + 16))) === false) throw new RtspParseError('not an RTSP message');
        break;
      }
      const { startLine, headers } = parseHead(buf.toString('latin1', at, headEnd));
      const length = Number(headers.get('content-length') ?? 0);
      if (!Number.isInteger(length) || length < 0 || length > this.limits.maxBodyBytes) throw new RtspParseError('bad Content-Length');
      const bodyStart = headEnd + HEAD_END.length;
      if (buf.length < bodyStart + length) break;
      this.handlers.message({ startLine, headers, body: Buffer.from(buf.subarray(bodyStart, bodyStart + length)) });
      at = bodyStart + length;
    }
    // a copy: the chunk may be a read buffer the socket reuses
    this.pending = at >= buf.length ? EMPTY : Buffer.from(buf.subarray(at));
  }
}

/** Start lines and headers are ASCII text: a control byte there means the peer does not speak RTSP. */
function isText(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (b < 0x20 && b !== CR && b !== LF && b !== 0x09) return false;
  }
  return true;
}

function parseHead(head: string): { startLine: string; headers: Map<string, string> } {
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new RtspParseError('bad header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}\n${value}`);
  }
  return { startLine, headers };
}

const STATUS_LINE = /^RTSP\/1\.\d (\d{3})(?: ([^\r\n]*))?$/;

/** Status and reason of a response's start line; undefined for anything else (a request, garbage). */
export function parseStatusLine(startLine: string): { status: number; reason: string } | undefined {
  const m = STATUS_LINE.exec(startLine);
  return m ? { status: Number(m[1]), reason: m[2] ?? '' } : undefined;
}

/** One request with its headers; a body gets its Content-Length. */
export function formatRequest(method: string, url: string, headers: Record<string, string | number | undefined>, body = ''): Buffer {
  const lines = [`${method} ${url} RTSP/1.0`];
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
