import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NAL, nalType, splitNalUnits } from './h264.ts';
import { spsResolution } from './h264-sps.ts';

/** The SPS ffmpeg's x264 writes for one frame of this size and profile. */
function spsOf(size: string, profile: string, pixFmt = 'yuv420p'): Buffer {
  const stream = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=1`, '-frames:v', '1', '-pix_fmt', pixFmt, '-c:v', 'libx264', '-profile:v', profile, '-f', 'h264', '-']);
  return splitNalUnits(stream).find((n) => nalType(n) === NAL.SPS)!;
}

describe('spsResolution', () => {
  it.each([
    ['1920x1080', 'high', 'yuv420p', 1920, 1080], // 1088 coded, cropped to 1080
    ['640x360', 'baseline', 'yuv420p', 640, 360],
    ['704x576', 'high444', 'yuv444p', 704, 576], // scaling matrices, 4:4:4 crop units
    ['350x202', 'main', 'yuv420p', 350, 202], // cropped right and bottom
  ])('reads %s (%s, %s)', (size, profile, pixFmt, width, height) => {
    expect(spsResolution(spsOf(size, profile, pixFmt))).toEqual({ width, height });
  });

  it('answers null for what is not a whole SPS', () => {
    const sps = spsOf('640x360', 'baseline');
    expect(spsResolution(sps.subarray(0, 5))).toBeNull();
    expect(spsResolution(Buffer.from([0x68, 1, 2, 3, 4]))).toBeNull(); // a PPS
  });
});
