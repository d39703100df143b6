import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, buildLiveOnlyArgs, dayDir, isLiveHlsFile, parseSegmentPath, segmentPattern, SEGMENT_LIST_FD, spawnTag } from './ffmpeg-args.ts';

const input = {
  url: 'rtsp://10.0.0.2:554/user=admin&password=pw&channel=1&stream=0.sdp?',
  segmentPattern: segmentPattern('/rec', 'cam_001', '000042'),
  segmentSeconds: 10,
  rtspTimeoutSeconds: 5,
  jpegQuality: 4,
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

  it('puts the keyframe-only and RTSP options on the input', () => {
    for (const flag of ['-skip_frame', '-rtsp_transport', '-timeout', '-analyzeduration']) {
      expect(args.indexOf(flag)).toBeLessThan(inputAt);
    }
    expect(after(args, '-skip_frame')).toBe('nokey');
    expect(after(args, '-rtsp_transport')).toBe('tcp');
    expect(after(args, '-timeout')).toBe('5000000');
    expect(after(args, '-analyzeduration')).toBe('1000000');
    expect(args).toContain('-copyts');
    expect(args[inputAt + 1]).toBe(input.url);
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

  it('writes keyframe JPEGs to stdout last, through a queue that drops frames rather than block ffmpeg', () => {
    expect(args.at(-1)).toBe('pipe:1');
    expect(after(args, '-f', args.indexOf('-fps_mode'))).toBe('fifo');
    expect(after(args, '-fifo_format')).toBe('image2pipe');
    expect(after(args, '-drop_pkts_on_overflow')).toBe('1');
    expect(after(args, '-fps_mode')).toBe('passthrough');
    expect(after(args, '-c:v')).toBe('mjpeg');
    expect(after(args, '-q:v')).toBe('4');
  });

  it('never reads stdin and never prints progress', () => {
    expect(args).toContain('-nostdin');
    expect(args).toContain('-nostats');
  });
});

describe('analysis rate', () => {
  const recordingAndLive = (args: string[]): string[] => args.slice(args.indexOf('-i'), args.lastIndexOf('-map'));

  it('decodes keyframes only by default, with no frame-rate filter', () => {
    for (const args of [buildFfmpegArgs(input), buildFfmpegArgs({ ...input, analysis: { mode: 'keyframes' } })]) {
      expect(after(args, '-skip_frame')).toBe('nokey');
      expect(args).not.toContain('-vf');
    }
  });

  it('decodes every frame and keeps N per second in fps mode, recording and live outputs unchanged', () => {
    const live = { hls: { dir: '/live/cam_001', segmentSeconds: 1, listSize: 6, spawnTag: '000042' } };
    const keyframes = buildFfmpegArgs({ ...input, live });
    const args = buildFfmpegArgs({ ...input, live, analysis: { mode: 'fps', fps: 5 } });
    expect(args).not.toContain('-skip_frame');
    expect(args).toContain('-copyts');
    const jpegOutput = args.slice(args.lastIndexOf('-map'));
    expect(after(jpegOutput, '-vf')).toBe('fps=5');
    expect(jpegOutput.at(-1)).toBe('pipe:1');
    expect(recordingAndLive(args)).toEqual(recordingAndLive(keyframes));
  });
});

describe('live outputs', () => {
  const hls = { dir: '/live/cam_001', segmentSeconds: 1, listSize: 6, spawnTag: '000042' };
  const rtp = { port: 40000, sdpPath: '/live/cam_001.sdp' };

  it('adds none without live options', () => {
    expect(buildFfmpegArgs(input)).not.toContain('hls');
    expect(buildFfmpegArgs(input)).not.toContain('rtp');
  });

  it('copies into 1 s HLS segments and an RTP feed, between the recording and the JPEGs', () => {
    const args = buildFfmpegArgs({ ...input, live: { hls, rtp } });
    const hlsAt = args.indexOf('hls');
    const rtpAt = args.indexOf('rtp');
    expect(hlsAt).toBeGreaterThan(args.indexOf('segment'));
    expect(rtpAt).toBeGreaterThan(hlsAt);
    expect(args.at(-1)).toBe('pipe:1');
    expect(after(args, '-c', hlsAt - 4)).toBe('copy');
    expect(after(args, '-hls_time')).toBe('1');
    expect(after(args, '-hls_list_size')).toBe('6');
    expect(after(args, '-hls_flags').split('+')).toEqual(expect.arrayContaining(['delete_segments', 'independent_segments', 'omit_endlist']));
    expect(after(args, '-hls_segment_filename')).toBe(path.join('/live/cam_001', '000042_%d.ts'));
    expect(args).toContain(path.join('/live/cam_001', 'index.m3u8'));
    expect(after(args, '-c', rtpAt - 4)).toBe('copy');
    expect(after(args, '-payload_type')).toBe('96');
    expect(after(args, '-sdp_file')).toBe('/live/cam_001.sdp');
    expect(args).toContain('rtp://127.0.0.1:40000?pkt_size=1200');
  });

  it('builds a live-only ffmpeg that decodes nothing', () => {
    const args = buildLiveOnlyArgs({ url: input.url, rtspTimeoutSeconds: 5, live: { hls } });
    expect(args).not.toContain('-skip_frame');
    expect(args).not.toContain('segment');
    expect(args).not.toContain('pipe:1');
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
