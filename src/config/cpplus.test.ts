import { describe, expect, it } from 'vitest';
import { cpPlusUrl, parseCpPlusPath } from './cpplus.ts';

describe('CP PLUS URL builder (seed Appendix A)', () => {
  it('builds the path form the DVR expects', () => {
    expect(cpPlusUrl({ host: '192.168.29.200', username: 'admin', password: '', channel: 1, stream: 0 }))
      .toBe('rtsp://192.168.29.200:554/user=admin&password=&channel=1&stream=0.sdp?');
    expect(cpPlusUrl({ host: 'dvr', port: 8554, username: 'admin', password: 'pw', channel: 8, stream: 1 }))
      .toBe('rtsp://dvr:8554/user=admin&password=pw&channel=8&stream=1.sdp?');
  });

  it('escapes characters that would break the path and round-trips', () => {
    const url = cpPlusUrl({ host: 'h', username: 'ad&min', password: 'p=w?#%', channel: 2, stream: 0 });
    const parsed = parseCpPlusPath(new URL(url).pathname + '?');
    expect(parsed).toEqual({ username: 'ad&min', password: 'p=w?#%', channel: 2, stream: 0 });
  });

  it('brackets IPv6 hosts and rejects bad channels', () => {
    expect(cpPlusUrl({ host: '::1', username: 'a', password: '', channel: 1, stream: 0 })).toMatch(/^rtsp:\/\/\[::1\]:554\//);
    expect(() => cpPlusUrl({ host: 'h', username: 'a', password: '', channel: 0, stream: 0 })).toThrow(/channel/);
  });

  it('does not parse other paths', () => {
    expect(parseCpPlusPath('/live/stream1')).toBeNull();
  });
});
