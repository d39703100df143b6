import { describe, expect, it } from 'vitest';
import { parseVideoStreamFps } from './stream-info.ts';

describe('source fps from ffmpeg\'s input dump', () => {
  it('reads the declared fps of a video stream', () => {
    expect(parseVideoStreamFps('[info]   Stream #0:0: Video: h264 (Main), yuv420p(progressive), 960x1080 [SAR 1:1 DAR 8:9], 25 fps, 25 tbr, 90k tbn')).toBe(25);
    expect(parseVideoStreamFps('  Stream #0:1[0x101]: Video: hevc (Main), yuv420p(tv), 2560x1440, 29.97 fps, 29.97 tbr, 90k tbn')).toBe(29.97);
  });

  it('falls back to tbr when the stream declares no fps, never to a time base', () => {
    expect(parseVideoStreamFps('[info]   Stream #0:0: Video: h264 (High), yuvj420p(pc, bt709, progressive), 1920x1080, 12.50 tbr, 90k tbn')).toBe(12.5);
    expect(parseVideoStreamFps('[info]   Stream #0:0: Video: h264, yuv420p, 1920x1080, 90k tbr, 90k tbn')).toBeNull();
  });

  it('ignores other lines and other streams', () => {
    expect(parseVideoStreamFps('[info]   Stream #0:1: Audio: pcm_alaw, 8000 Hz, mono, s16, 64 kb/s')).toBeNull();
    expect(parseVideoStreamFps('[info] frame=   51 fps= 49 q=-0.0 Lsize=N/A time=00:00:02.00')).toBeNull();
    expect(parseVideoStreamFps('[info]   Stream #0:0 -> #0:0 (h264 (native) -> mjpeg (native))')).toBeNull();
  });
});
