import { describe, expect, it } from 'vitest';
import { formatRequest, parseStatusLine, RtspParseError, RtspReader, type RtspMessage, type RtspReaderLimits } from './message.ts';

function collect(limits: Partial<RtspReaderLimits> = {}, plausibleStart?: (p: string) => boolean) {
  const messages: RtspMessage[] = [];
  const frames: Array<[number, string]> = [];
  const reader = new RtspReader({ message: (m) => messages.push(m), frame: (c, p) => frames.push([c, p.toString('hex')]), plausibleStart }, limits);
  return { reader, messages, frames };
}

const frame = (channel: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([0x24, channel, payload.length >> 8, payload.length & 0xff]), payload]);

describe('RtspReader', () => {
  const response = Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: abc;timeout=60\r\nContent-Length: 5\r\n\r\nhello');
  const rtp = frame(0, Buffer.from('80600001000000640000000a41', 'hex'));
  const rtcp = frame(1, Buffer.from('80c80006', 'hex'));
  const stream = Buffer.concat([rtp, response, rtcp, rtp, Buffer.from('\r\n'), response]);

  it('reads the same messages and frames however the stream is split, down to single bytes', () => {
    const whole = collect();
    whole.reader.push(stream);
    expect(whole.messages.map((m) => [m.startLine, m.headers.get('session'), m.body.toString()])).toEqual([
      ['RTSP/1.0 200 OK', 'abc;timeout=60', 'hello'],
      ['RTSP/1.0 200 OK', 'abc;timeout=60', 'hello'],
    ]);
    expect(whole.frames.map(([c]) => c)).toEqual([0, 1, 0]);
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const split = collect();
      for (let at = 0; at < stream.length; at += size) split.reader.push(stream.subarray(at, at + size));
      expect(split.messages).toEqual(whole.messages);
      expect(split.frames).toEqual(whole.frames);
    }
  });

  it('keeps what it holds back intact when the socket reuses its read buffer', () => {
    const reused = Buffer.alloc(7);
    const split = collect();
    for (let at = 0; at < stream.length; at += reused.length) {
      const n = stream.copy(reused, 0, at, at + reused.length);
      split.reader.push(reused.subarray(0, n));
      reused.fill(0xee);
    }
    expect(split.messages).toHaveLength(2);
    expect(split.frames.map(([, hex]) => hex)).toEqual([rtp, rtcp, rtp].map((f) => f.subarray(4).toString('hex')));
  });

  it('keeps repeated headers, one value per line', () => {
    const { reader, messages } = collect();
    reader.push(Buffer.from('RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm="x"\r\nWWW-Authenticate: Digest realm="x", nonce="n"\r\n\r\n'));
    expect(messages[0]!.headers.get('www-authenticate')).toBe('Basic realm="x"\nDigest realm="x", nonce="n"');
  });

  it('rejects garbage, an oversized head, body or frame, before buffering past its bounds', () => {
    expect(() => collect().reader.push(Buffer.alloc(64, 7))).toThrow(/binary data/);
    expect(() => collect().reader.push(Buffer.alloc(9000, 'a'))).toThrow(/head too large/);
    expect(() => collect().reader.push(Buffer.from('RTSP/1.0 200 OK\r\nno colon\r\n\r\n'))).toThrow(RtspParseError);
    expect(() => collect().reader.push(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 70000\r\n\r\n'))).toThrow(/Content-Length/);
    expect(() => collect({ maxFrameBytes: 1500 }).reader.push(Buffer.from([0x24, 0, 0x10, 0x00]))).toThrow(/4096 bytes exceeds 1500/);
    // a text peer that is not RTSP is refused from its first bytes, not after a whole head
    const notRtsp = (p: string): boolean => 'RTSP/1.'.startsWith(p.slice(0, 7));
    expect(() => collect({}, notRtsp).reader.push(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toThrow(/not an RTSP message/);
    const partial = collect({}, notRtsp);
    partial.reader.push(Buffer.from('RTS'));
    expect(partial.messages).toEqual([]);
  });
});

describe('parseStatusLine and formatRequest', () => {
  it('reads a status line and nothing else', () => {
    expect(parseStatusLine('RTSP/1.0 454 Session Not Found')).toEqual({ status: 454, reason: 'Session Not Found' });
    expect(parseStatusLine('RTSP/1.0 200')).toEqual({ status: 200, reason: '' });
    expect(parseStatusLine('HTTP/1.1 200 OK')).toBeUndefined();
    expect(parseStatusLine('OPTIONS * RTSP/1.0')).toBeUndefined();
  });

  it('writes a request with its headers, skipping undefined ones', () => {
    expect(formatRequest('SETUP', 'rtsp://h/a/trackID=0', { CSeq: 3, Authorization: undefined, Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' }).toString())
      .toBe('SETUP rtsp://h/a/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n');
  });
});
