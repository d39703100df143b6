/**
 * RTSP/1.0 message framing (RFC 2326) for the server side of one TCP connection: requests in,
 * responses out. Clients also send interleaved binary frames (RTCP receiver reports) on the same
 * connection; those are skipped.
 */

export interface RtspRequest {
  method: string;
  url: string;
  /** header names in lower case */
  headers: Map<string, string>;
  body: Buffer;
}

export class RtspParseError extends Error {}

const MAX_HEAD_BYTES = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([A-Z][A-Z_]*) (\S+) RTSP\/1\.0$/;

export class RtspRequestReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds received bytes; returns the requests completed so far. Throws RtspParseError on garbage. */
  push(chunk: Buffer): RtspRequest[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const requests: RtspRequest[] = [];
    for (;;) {
      if (this.pending[0] === 0x24) {
        // '$' channel length(2) payload
        if (this.pending.length < 4) break;
        const frameEnd = 4 + this.pending.readUInt16BE(2);
        if (this.pending.length < frameEnd) break;
        this.pending = this.pending.subarray(frameEnd);
        continue;
      }
      const headEnd = this.pending.indexOf(HEAD_END);
      if (headEnd < 0) {
        if (this.pending.length > MAX_HEAD_BYTES) throw new RtspParseError('request head too large');
        break;
      }
      const { method, url, headers } = parseHead(this.pending.subarray(0, headEnd).toString('latin1'));
      const length = Number(headers.get('content-length') ?? 0);
      if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) throw new RtspParseError('bad Content-Length');
      const bodyStart = headEnd + HEAD_END.length;
      if (this.pending.length < bodyStart + length) break;
      requests.push({ method, url, headers, body: Buffer.from(this.pending.subarray(bodyStart, bodyStart + length)) });
      this.pending = this.pending.subarray(bodyStart + length);
    }
    return requests;
  }
}

function parseHead(head: string): Omit<RtspRequest, 'body'> {
  // some clients send empty lines between requests
  const [requestLine, ...lines] = head.replace(/^(\r\n)+/, '').split('\r\n');
  const m = REQUEST_LINE.exec(requestLine ?? '');
  if (!m) throw new RtspParseError('bad request line');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new RtspParseError('bad header line');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method: m[1]!, url: m[2]!, headers };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  501: 'Not Implemented',
};

export function formatResponse(status: number, headers: Record<string, string | number | undefined>, body = ''): Buffer {
  const lines = [`RTSP/1.0 ${status} ${STATUS_TEXT[status] ?? 'Error'}`];
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
