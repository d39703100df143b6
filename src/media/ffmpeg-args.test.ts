import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, dayDir, parseSegmentPath, segmentPattern, SEGMENT_LIST_FD, spawnTag } from './ffmpeg-args.ts';

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

  it('writes keyframe JPEGs to stdout last', () => {
    expect(args.at(-1)).toBe('pipe:1');
    expect(after(args, '-f', args.indexOf('-fps_mode'))).toBe('image2pipe');
    expect(after(args, '-fps_mode')).toBe('passthrough');
    expect(after(args, '-c:v')).toBe('mjpeg');
    expect(after(args, '-q:v')).toBe('4');
  });

  it('never reads stdin and never prints progress', () => {
    expect(args).toContain('-nostdin');
    expect(args).toContain('-nostats');
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
