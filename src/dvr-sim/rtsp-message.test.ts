import { describe, expect, it } from 'vitest';
import { formatResponse, RtspParseError, RtspRequestReader } from './rtsp-message.ts';

const describeRequest = 'DESCRIBE rtsp://127.0.0.1:554/user=admin&password=&channel=1&stream=0.sdp? RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n';

describe('RtspRequestReader', () => {
  it('parses a request split across chunks, with lower-case header names', () => {
    const reader = new RtspRequestReader();
    expect(reader.push(Buffer.from(describeRequest.slice(0, 30)))).toEqual([]);
    const [req] = reader.push(Buffer.from(describeRequest.slice(30)));
    expect(req).toMatchObject({ method: 'DESCRIBE', url: 'rtsp://127.0.0.1:554/user=admin&password=&channel=1&stream=0.sdp?' });
    expect(req!.headers.get('cseq')).toBe('2');
    expect(req!.headers.get('accept')).toBe('application/sdp');
  });

  it('reads a body by Content-Length and skips interleaved RTCP frames between requests', () => {
    const reader = new RtspRequestReader();
    const rtcp = Buffer.from([0x24, 1, 0, 3, 0x81, 0xc9, 0]);
    const setParameter = 'SET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 9\r\n\r\nkey: val\n';
    const requests = reader.push(Buffer.concat([rtcp, Buffer.from(setParameter), rtcp, Buffer.from(describeRequest)]));
    expect(requests.map((r) => r.method)).toEqual(['SET_PARAMETER', 'DESCRIBE']);
    expect(requests[0]!.body.toString()).toBe('key: val\n');
  });

  it('rejects garbage, an oversized head and a bad Content-Length', () => {
    expect(() => new RtspRequestReader().push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toThrow(RtspParseError);
    expect(() => new RtspRequestReader().push(Buffer.from('OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n'))).toThrow(RtspParseError);
    expect(() => new RtspRequestReader().push(Buffer.alloc(9000, 'a'))).toThrow(/too large/);
    expect(() => new RtspRequestReader().push(Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n'))).toThrow(/Content-Length/);
  });
});

describe('formatResponse', () => {
  it('writes the status line, headers, and Content-Length for a body', () => {
    const text = formatResponse(200, { CSeq: '3', Session: undefined, 'Content-Type': 'application/sdp' }, 'v=0\r\n').toString();
    expect(text).toBe('RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    expect(formatResponse(461, { CSeq: 1 }).toString()).toBe('RTSP/1.0 461 Unsupported Transport\r\nCSeq: 1\r\n\r\n');
  });
});
