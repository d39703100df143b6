import { describe, expect, it } from 'vitest';
import { h264Profile, narrowOffer, OfferError } from './offer.ts';
import { parseSourceSdp } from './source-sdp.ts';

// the video section of a Chromium recvonly offer, shortened
const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105',
  'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=rtcp-fb:102 nack pli', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:103 H264/90000', 'a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f',
  'a=rtpmap:104 H264/90000', 'a=rtcp-fb:104 nack', 'a=rtcp-fb:104 nack pli', 'a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
  'a=rtpmap:105 rtx/90000', 'a=fmtp:105 apt=104', '',
].join('\r\n');

describe('narrowOffer', () => {
  it('keeps only the payload type of the stream\'s profile, with its real profile-level-id', () => {
    const { sdp, payloadType } = narrowOffer(OFFER, '4D4020');
    expect(payloadType).toBe(104);
    expect(sdp).toContain('m=video 9 UDP/TLS/RTP/SAVPF 104\r\n');
    expect(sdp).toContain('a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d4020');
    expect(sdp).toContain('a=rtcp-fb:104 nack pli');
    expect(sdp).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):(96|97|102|103|105) /);
    expect(sdp).toContain('a=group:BUNDLE 0');
  });

  it('names what is missing', () => {
    expect(() => narrowOffer('hello', '4D4020')).toThrow(/not an SDP offer/);
    expect(() => narrowOffer(OFFER.replace('m=video', 'm=audio'), '4D4020')).toThrow(/no video/);
    expect(() => narrowOffer(OFFER.replace('a=recvonly', 'a=sendonly'), '4D4020')).toThrow(/receive/);
    expect(() => narrowOffer(OFFER, '640028')).toThrow(OfferError);
    expect(() => narrowOffer(OFFER, '640028')).toThrow(/high profile .*offered: constrained baseline, main/);
  });
});

describe('h264Profile', () => {
  it('classifies profile-level-ids as browsers do', () => {
    expect(h264Profile('42e01f')).toBe('constrained baseline');
    expect(h264Profile('42001f')).toBe('baseline');
    expect(h264Profile('4D4020')).toBe('main');
    expect(h264Profile('4d001f')).toBe('main');
    expect(h264Profile('640032')).toBe('high');
  });
});

describe('parseSourceSdp', () => {
  it('reads payload type, profile and out-of-band parameter sets from ffmpeg\'s SDP', () => {
    const codec = parseSourceSdp('v=0\nm=video 5000 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z01AINoDwCJ+XARAAAADAEAAAAyDxgyo,aO8PyA==; profile-level-id=4D4020\n');
    expect(codec).toMatchObject({ payloadType: 96, profileLevelId: '4D4020' });
    expect(codec!.sps![0]! & 0x1f).toBe(7);
    expect(codec!.pps![0]! & 0x1f).toBe(8);
    expect(parseSourceSdp('v=0\nm=audio 5000 RTP/AVP 0\n')).toBeUndefined();
  });
});
