/**
 * The server side of RTSP/1.0 message framing (RFC 2326) for one TCP connection: requests in,
 * responses out, on the framing Vigil's own client shares.
 */
import { RtspParseError, RtspReader, type RtspMessage } from '../media/rtsp/message.ts';

export interface RtspRequest {
  method: string;
  url: string;
  /** header names in lower case */
  headers: Map<string, string>;
  body: Buffer;
}

export { RtspParseError };

const REQUEST_LINE = /^([A-Z][A-Z_]*) (\S+) RTSP\/1\.0$/;

export class RtspRequestReader {
  private batch: RtspRequest[] = [];
  // interleaved frames from a client are RTCP receiver reports: no frame handler skips them
  private readonly reader = new RtspReader({ message: (m) => this.batch.push(toRequest(m)) });

  /** Feeds received bytes; returns the requests completed so far. Throws RtspParseError on garbage. */
  push(chunk: Buffer): RtspRequest[] {
    this.batch = [];
    this.reader.push(chunk);
    return this.batch;
  }
}

function toRequest(m: RtspMessage): RtspRequest {
  const line = REQUEST_LINE.exec(m.startLine);
  if (!line) throw new RtspParseError('bad request line');
  return { method: line[1]!, url: line[2]!, headers: m.headers, body: m.body };
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
