import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, buildLiveOnlyArgs, dayDir, isLiveHlsFile, parseSegmentPath, segmentPattern, SEGMENT_LIST_FD, spawnTag } from './ffmpeg-args.ts';

const input = {
  url: 'rtsp://10.0.0.2:554/user=admin&password=pw&channel=1&stream=0.sdp?',
  segmentPattern: segmentPattern('/rec', 'cam_001', '000042'),
  segmentSeconds: 10,
  rtspTimeoutSeconds: 5,
  feed: { port: 40000, sdpPath: '/live/cam_001.sdp' },
};

/** value following a flag, asserting the flag is present */
function after(args: string[], flag: string, from = 0): string {
  const i = args.indexOf(flag, from);
  expect(i, flag).toBeGreaterThanOrEqual(0);
  return args[i + 1]!;
}

describe('buildFfmpegArgs', () => {
  const args = buildFfmpegArgs(input);
  const inputAt = args.indexOf('-i');

  it('puts the RTSP options on the input', () => {
    for (const flag of ['-rtsp_transport', '-timeout', '-analyzeduration']) {
      expect(args.indexOf(flag)).toBeLessThan(inputAt);
    }
    expect(after(args, '-rtsp_transport')).toBe('tcp');
    expect(after(args, '-timeout')).toBe('5000000');
    expect(after(args, '-analyzeduration')).toBe('1000000');
    expect(args[inputAt + 1]).toBe(input.url);
  });

  it('decodes nothing: every output is a copy, and nothing goes to stdout', () => {
    expect(args.filter((a) => a === '-c')).toHaveLength(args.filter((a) => a === '-map').length);
    args.forEach((a, i) => a === '-c' && expect(args[i + 1]).toBe('copy'));
    for (const decoding of ['-skip_frame', '-copyts', '-vf', 'mjpeg', 'pipe:1']) expect(args).not.toContain(decoding);
  });

  it('copies video into MPEG-TS segments with a CSV list on fd 3', () => {
    const seg = args.indexOf('segment');
    expect(seg).toBeGreaterThan(inputAt);
    expect(after(args, '-c', inputAt)).toBe('copy');
    expect(after(args, '-segment_format')).toBe('mpegts');
    expect(after(args, '-segment_time')).toBe('10');
    expect(after(args, '-strftime')).toBe('1');
    expect(after(args, '-reset_timestamps')).toBe('1');
    expect(after(args, '-segment_list')).toBe(`pipe:${SEGMENT_LIST_FD}`);
    expect(after(args, '-segment_list_type')).toBe('csv');
    expect(args).toContain(path.join('/rec', 'cam_001', '%Y%m%d', '%H%M%S_000042.ts'));
  });

  it('copies into the RTP feed, RTCP to the same port, packets small enough to forward to WebRTC', () => {
    const rtpAt = args.indexOf('rtp');
    expect(after(args, '-c', rtpAt - 4)).toBe('copy');
    expect(after(args, '-payload_type')).toBe('96');
    expect(after(args, '-sdp_file')).toBe('/live/cam_001.sdp');
    expect(args).toContain('rtp://127.0.0.1:40000?pkt_size=1200&rtcpport=40000');
  });

  it('never reads stdin and never prints progress', () => {
    expect(args).toContain('-nostdin');
    expect(args).toContain('-nostats');
  });
});

describe('live outputs', () => {
  const hls = { dir: '/live/cam_001', segmentSeconds: 1, listSize: 6, spawnTag: '000042' };

  it('adds no HLS without live options', () => {
    expect(buildFfmpegArgs(input)).not.toContain('hls');
  });

  it('copies into 1 s HLS segments after the recording', () => {
    const args = buildFfmpegArgs({ ...input, live: { hls } });
    const hlsAt = args.indexOf('hls');
    expect(hlsAt).toBeGreaterThan(args.indexOf('segment'));
    expect(after(args, '-c', hlsAt - 4)).toBe('copy');
    expect(after(args, '-hls_time')).toBe('1');
    expect(after(args, '-hls_list_size')).toBe('6');
    expect(after(args, '-hls_flags').split('+')).toEqual(expect.arrayContaining(['delete_segments', 'independent_segments', 'omit_endlist']));
    expect(after(args, '-hls_segment_filename')).toBe(path.join('/live/cam_001', '000042_%d.ts'));
    expect(args).toContain(path.join('/live/cam_001', 'index.m3u8'));
  });

  it('builds a live-only ffmpeg that decodes and records nothing', () => {
    const args = buildLiveOnlyArgs({ url: input.url, rtspTimeoutSeconds: 5, live: { hls } });
    expect(args).not.toContain('segment');
    expect(args).not.toContain('rtp');
    expect(args.at(-1)).toBe(path.join('/live/cam_001', 'index.m3u8'));
  });

  it('recognises only the names the HLS output writes', () => {
    for (const ok of ['index.m3u8', '000042_1796086248.ts', '123456_0.ts']) expect(isLiveHlsFile(ok), ok).toBe(true);
    for (const bad of ['../index.m3u8', '..', 'index.m3u8.tmp', '000042_1.ts.tmp', '42_1.ts', 'x.ts', '000042_1.mp4', '000042_/1.ts', '']) expect(isLiveHlsFile(bad), bad).toBe(false);
  });
});

describe('segment names', () => {
  it('parses camera and UTC start from a relative path', () => {
    expect(parseSegmentPath('cam_001/20250120/143005_000123.ts')).toEqual({ cameraId: 'cam_001', start: new Date('2025-01-20T14:30:05Z') });
    expect(parseSegmentPath('cam_001/20250120/143005.ts')?.start.toISOString()).toBe('2025-01-20T14:30:05.000Z');
  });

  it('rejects foreign files and impossible dates', () => {
    expect(parseSegmentPath('cam_001/20250120/notes.txt')).toBeNull();
    expect(parseSegmentPath('cam_001/20251320/143005_1.ts')).toBeNull();
    expect(parseSegmentPath('20250120/143005_1.ts')).toBeNull();
  });

  it('formats day directories and spawn tags', () => {
    expect(dayDir(new Date('2025-01-20T23:59:59Z'))).toBe('20250120');
    expect(spawnTag(1_737_000_000_042)).toBe('000042');
  });
});
