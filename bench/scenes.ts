import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JpegStreamParser } from '../src/media/mjpeg-splitter.ts';

function ffmpeg(args: string[], what: string): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 512 << 20 });
  if (r.status !== 0) throw new Error(`cannot ${what}: ${r.stderr?.toString().trim() || `ffmpeg exit ${r.status}`}`);
  return r.stdout;
}

/** Decoded frames between two samples of the clip taken for the empty background. */
const BACKGROUND_STEP = 40;
/** Samples on each side of the median: 19 samples 40 frames apart cover the whole of vtest. */
const BACKGROUND_RADIUS = 9;

/**
 * A static scene of `seconds` frames at 1 fps: the clip's empty background (the per-pixel median
 * of frames far apart, so nobody walking is in it) looped from a still file (`-loop 1` cannot
 * re-read a pipe), with fresh sensor-like noise on every frame (ffmpeg's temporal noise).
 */
export function staticScene(video: string, seconds: number, noise = 8): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
  try {
    const still = join(dir, 'background.png');
    ffmpeg(['-i', video, '-vf', `select='not(mod(n,${BACKGROUND_STEP}))',tmedian=radius=${BACKGROUND_RADIUS}`, '-fps_mode', 'passthrough', '-frames:v', '1', still], `take the empty background of ${video}`);
    const jpegs = ffmpeg(['-loop', '1', '-framerate', '1', '-i', still, '-vf', `noise=alls=${noise}:allf=t`, '-frames:v', String(seconds), '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'], 'make the static scene');
    const frames = new JpegStreamParser().push(jpegs);
    if (frames.length !== seconds) throw new Error(`static scene: ${frames.length} frames made, ${seconds} asked`);
    return frames;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every decoded picture of a clip as JPEG in memory, at the camera workers' quality (vtest: 795 frames, ~40 MB). */
export function clipFrames(video: string): Buffer[] {
  return new JpegStreamParser().push(ffmpeg(['-i', video, '-map', '0:v:0', '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'], `decode ${video}`));
}
