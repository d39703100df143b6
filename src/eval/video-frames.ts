import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { JpegStreamParser } from '../media/mjpeg-splitter.ts';

const FFMPEG = process.env.VIGIL_FFMPEG ?? 'ffmpeg';
const FFPROBE = process.env.VIGIL_FFPROBE ?? 'ffprobe';

export interface VideoFrame {
  /** 1-based, as MOTChallenge numbers frames: frame n is the n-th decoded picture */
  frame: number;
  jpeg: Buffer;
}

/** The frame rate in the video's header (r_frame_rate), or undefined when ffprobe cannot tell. */
export function videoFrameRate(video: string): number | undefined {
  const r = spawnSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate', '-of', 'csv=p=0', video], { encoding: 'utf8' });
  const m = /^(\d+)(?:\/(\d+))?/.exec(r.stdout?.trim() ?? '');
  if (r.status !== 0 || !m) return undefined;
  const rate = Number(m[1]) / Number(m[2] ?? 1);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp'];

/** Width and height of a video's pictures (of a folder's first image), or undefined when ffprobe cannot tell. */
export function videoSize(video: string): { width: number; height: number } | undefined {
  const isFolder = statSync(video, { throwIfNoEntry: false })?.isDirectory();
  const file = isFolder ? readdirSync(video).filter((n) => IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase())).sort().map((n) => path.join(video, n))[0] : video;
  if (!file) return undefined;
  const r = spawnSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const m = /^(\d+),(\d+)/.exec(r.stdout?.trim() ?? '');
  return r.status === 0 && m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/**
 * ffmpeg input arguments: a video file, or a folder of numbered images in name order (a
 * MOTChallenge sequence's img1/, where 000001.jpg is frame 1).
 */
function inputArgs(video: string): string[] {
  if (!statSync(video, { throwIfNoEntry: false })?.isDirectory()) return ['-i', video];
  const counts = new Map<string, number>();
  for (const name of readdirSync(video)) {
    const ext = path.extname(name).toLowerCase();
    if (IMAGE_EXTENSIONS.includes(ext)) counts.set(path.extname(name), (counts.get(path.extname(name)) ?? 0) + 1);
  }
  const ext = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!ext) throw new Error(`${video} is a folder without images (${IMAGE_EXTENSIONS.join(', ')})`);
  return ['-pattern_type', 'glob', '-i', path.join(video, `*${ext}`)];
}

/**
 * Every decoded picture of a video (or of a folder of images) as JPEG, in order (`-fps_mode passthrough`: no frame is
 * dropped or duplicated to fit the header's rate), keeping only those `want` accepts and stopping
 * after `last`. The stream is pulled, so ffmpeg waits while the caller analyses.
 */
export async function* decodeFrames(video: string, opts: { want?: (frame: number) => boolean; last?: number } = {}): AsyncGenerator<VideoFrame> {
  const args = ['-v', 'error', '-nostdin', ...inputArgs(video), '-map', '0:v:0', '-fps_mode', 'passthrough'];
  if (opts.last !== undefined) args.push('-frames:v', String(opts.last));
  args.push('-c:v', 'mjpeg', '-q:v', '2', '-f', 'image2pipe', 'pipe:1');
  const ffmpeg = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    ffmpeg.on('error', (e) => reject(new Error(`cannot run ${FFMPEG}: ${e.message}`)));
    ffmpeg.on('close', (code) => resolve(code));
  });
  exited.catch(() => {}); // observed below; avoids an unhandled rejection while frames are pulled
  const parser = new JpegStreamParser();
  let frame = 0;
  try {
    for await (const chunk of ffmpeg.stdout) {
      for (const jpeg of parser.push(chunk as Buffer)) {
        frame++;
        if (!opts.want || opts.want(frame)) yield { frame, jpeg };
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg could not decode ${video} (exit ${code}): ${stderr.trim() || 'no message'}`);
    if (frame === 0) throw new Error(`no frames decoded from ${video}`);
  } finally {
    if (ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL');
  }
}

/**
 * Frames sampled at `fps` from a sequence captured at `sequenceFps`: the frame nearest to each
 * 1/fps step, starting with frame 1.
 */
export function sampledFrames(sequenceFps: number, fps: number, lastFrame: number): number[] {
  if (!(fps > 0) || !(sequenceFps > 0)) throw new Error(`frame rates must be positive (got --fps ${fps}, sequence ${sequenceFps} fps)`);
  const step = sequenceFps / fps;
  const frames = new Set<number>();
  for (let k = 0; Math.round(k * step) + 1 <= lastFrame; k++) frames.add(Math.round(k * step) + 1);
  return [...frames];
}
