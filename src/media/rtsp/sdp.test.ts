import { describe, expect, it } from 'vitest';
import { controlUrl, pickH264Track } from './sdp.ts';

const SPS = 'Z2QAH6zZQFAFuwFqAgICgAAAAwCAAAAeB4wYyw==';
const PPS = 'aOvjyyLA';

const sdp = (lines: string[]): string => ['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=cam', 't=0 0', ...lines, ''].join('\r\n');

describe('pickH264Track', () => {
  it('takes the first H.264 video track, skipping audio and other video codecs', () => {
    const described = pickH264Track(sdp([
      'a=control:*',
      'm=audio 0 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=control:trackID=1',
      'm=video 0 RTP/AVP 26', 'a=rtpmap:26 JPEG/90000', 'a=control:trackID=2',
      'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000',
      `a=fmtp:96 packetization-mode=1; profile-level-id=64001f; sprop-parameter-sets=${SPS},${PPS}`, 'a=control:trackID=0',
    ]), 'rtsp://10.0.0.5/live/');
    expect(described).toMatchObject({ control: 'rtsp://10.0.0.5/live/trackID=0', aggregateControl: 'rtsp://10.0.0.5/live/' });
    expect(described!.info).toEqual({ payloadType: 96, clockRate: 90_000, profileLevelId: '64001F', sps: Buffer.from(SPS, 'base64'), pps: Buffer.from(PPS, 'base64') });
  });

  it('is undefined without an H.264 video track', () => {
    expect(pickH264Track(sdp(['m=video 0 RTP/AVP 97', 'a=rtpmap:97 H265/90000']), 'rtsp://h/')).toBeUndefined();
    expect(pickH264Track(sdp(['m=audio 0 RTP/AVP 0']), 'rtsp://h/')).toBeUndefined();
  });

  it('honours an absolute session control as the aggregate URL and base of relative track controls', () => {
    const described = pickH264Track(sdp(['a=control:rtsp://10.0.0.5:554/ch1', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:video']), 'rtsp://10.0.0.5/x');
    expect(described).toMatchObject({ control: 'rtsp://10.0.0.5:554/ch1/video', aggregateControl: 'rtsp://10.0.0.5:554/ch1' });
    expect(described!.info).toEqual({ payloadType: 96, clockRate: 90_000 });
  });
});

describe('controlUrl', () => {
  it('keeps absolute URLs, uses the base for "*" or none, and appends relative ones with one slash', () => {
    expect(controlUrl('rtsp://other/track1', 'rtsp://h/a/')).toBe('rtsp://other/track1');
    expect(controlUrl('*', 'rtsp://h/a/')).toBe('rtsp://h/a/');
    expect(controlUrl(undefined, 'rtsp://h/a')).toBe('rtsp://h/a');
    expect(controlUrl('trackID=0', 'rtsp://h/a/')).toBe('rtsp://h/a/trackID=0');
    expect(controlUrl('trackID=0', 'rtsp://h/a')).toBe('rtsp://h/a/trackID=0');
    // CP PLUS: the base ends in "?", which a URL resolver would take for a query
    expect(controlUrl('trackID=0', 'rtsp://h/user=admin&password=&channel=1&stream=0.sdp?/')).toBe('rtsp://h/user=admin&password=&channel=1&stream=0.sdp?/trackID=0');
  });
});
