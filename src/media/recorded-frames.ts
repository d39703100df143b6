import { spawn } from 'node:child_process';
import os from 'node:os';
import { redact } from '../core/redact.ts';
import type { AnalysisRate } from '../core/types.ts';
import { JpegStreamParser, jpegSize } from './mjpeg-splitter.ts';

/** One frame decoded from a recorded segment, at its capture time on the wall clock. */
export interface RecordedFrame {
  jpeg: Buffer;
  capturedAt: Date;
  width: number;
  height: number;
}

export interface RecordedFramesOptions {
  /** the same rate the camera's live analysis uses, so catch-up sees what live analysis would have seen */
  analysis?: AnalysisRate;
  jpegQuality: number;
  ffmpegPath?: string;
  signal?: AbortSignal;
}

const STDERR_KEEP = 2000;
// lowest CPU priority: catch-up works with the capacity live analysis and recording leave over
const NICEST = 19;
const PTS_TIME = /\bpts_time:\s*(-?[\d.]+)/;

/** ffmpeg arguments: the frames live analysis would have seen, as JPEGs on stdout, their timestamps (showinfo) on stderr. */
export function recordedFrameArgs(file: string, analysis: AnalysisRate, jpegQuality: number): string[] {
  const keyframes = analysis.mode === 'keyframes';
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...(keyframes ? ['-skip_frame', 'nokey'] : []),
    '-i', file,
    '-map', '0:v:0', '-vf', keyframes ? 'showinfo' : `fps=${analysis.fps},showinfo`, '-fps_mode', 'passthrough',
    '-c:v', 'mjpeg', '-q:v', String(jpegQuality), '-f', 'image2pipe', 'pipe:1',
  ];
}

/**
 * Decodes the frames of one recorded MPEG-TS segment that live analysis would have taken (its
 * keyframes, or `fps` per second), with their capture times. Without -copyts ffmpeg starts the
 * file's timestamps at 0, so a frame's capture time is the segment's wall-clock start plus its
 * pts_time — the segment starts when its first (key)frame arrived, as the live JPEG of that frame did.
 */
export function recordedFrames(file: string, segmentStart: Date, opts: RecordedFramesOptions): Promise<RecordedFrame[]> {
  const args = recordedFrameArgs(file, opts.analysis ?? { mode: 'keyframes' }, opts.jpegQuality);
  return new Promise((resolve, reject) => {
    const child = spawn(opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, NICEST);
      } catch {
        // not permitted on this host: it runs at normal priority
      }
    }
    const parser = new JpegStreamParser();
    const jpegs: Buffer[] = [];
    const times: number[] = [];
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => jpegs.push(...parser.push(chunk)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const m = line.includes('Parsed_showinfo') ? PTS_TIME.exec(line) : null;
        if (m) times.push(Number(m[1]));
        else stderr = (stderr + line + '\n').slice(-STDERR_KEEP);
      }
    });
    child.on('error', (err) => reject(new Error(`ffmpeg could not read recorded segment ${file}: ${redact(err.message)}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`ffmpeg exited with ${code} reading recorded segment ${file}: ${redact(stderr.trim())}`));
        return;
      }
      const frames: RecordedFrame[] = [];
      // showinfo logs each frame as it goes to the encoder, in output order: the n-th JPEG is the n-th line
      jpegs.forEach((jpeg, i) => {
        const size = jpegSize(jpeg);
        const t = times[i];
        if (size && t !== undefined && Number.isFinite(t)) frames.push({ jpeg, capturedAt: new Date(segmentStart.getTime() + t * 1000), ...size });
      });
      resolve(frames);
    });
  });
}
