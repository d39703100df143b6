import { describe, expect, it } from 'vitest';
import { resolveTarget } from './rtsp-target.ts';

const account = { channels: 8, username: 'admin', password: 's3cret' };
const url = (rest: string): string => `rtsp://127.0.0.1:554/${rest}`;

describe('resolveTarget', () => {
  it('accepts the CP PLUS path with or without the trailing ? and the track suffix', () => {
    expect(resolveTarget(url('user=admin&password=s3cret&channel=3&stream=1.sdp?'), account)).toEqual({ ok: true, channel: 3, stream: 1 });
    expect(resolveTarget(url('user=admin&password=s3cret&channel=8&stream=0.sdp'), account)).toEqual({ ok: true, channel: 8, stream: 0 });
    expect(resolveTarget(url('user=admin&password=s3cret&channel=1&stream=0.sdp?/trackID=0'), account)).toMatchObject({ ok: true });
    expect(resolveTarget('/user=admin&password=s3cret&channel=1&stream=0.sdp?', account)).toMatchObject({ ok: true });
  });

  it('answers 401 for wrong credentials, before revealing whether the channel exists', () => {
    expect(resolveTarget(url('user=admin&password=wrong&channel=1&stream=0.sdp?'), account)).toEqual({ ok: false, status: 401 });
    expect(resolveTarget(url('user=root&password=s3cret&channel=1&stream=0.sdp?'), account)).toEqual({ ok: false, status: 401 });
    expect(resolveTarget(url('user=admin&password=&channel=99&stream=0.sdp?'), account)).toEqual({ ok: false, status: 401 });
  });

  it('answers 404 for unknown channels, streams and paths', () => {
    for (const rest of ['user=admin&password=s3cret&channel=9&stream=0.sdp?', 'user=admin&password=s3cret&channel=0&stream=0.sdp?', 'user=admin&password=s3cret&channel=1&stream=2.sdp?', 'user=admin&password=s3cret&channel=1&stream=0.sdp?/trackID=1', 'live/ch1', '']) {
      expect(resolveTarget(url(rest), account)).toEqual({ ok: false, status: 404 });
    }
    expect(resolveTarget('*', account)).toEqual({ ok: false, status: 404 });
  });
});
