/**
 * Decodes a camera's access units into JPEGs for analysis, in an ffmpeg of its own that runs only
 * while something needs frames: a camera nobody analyses costs no decode at all. Recording and live
 * view never depend on it — it is fed from the live feed, and when it falls behind or dies, frames
 * are dropped (counted, logged once) and it starts again at the next keyframe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/log.ts';
import type { AnalysisRate } from '../../core/types.ts';
import { jpegSize, MjpegSplitter } from '../mjpeg-splitter.ts';
import { annexBOf } from './annex-b.ts';
import type { TimedAccessUnit } from './timed-access-unit.ts';

export interface DecodedFrame {
  jpeg: Buffer;
  width: number;
  height: number;
}

export interface FrameDecoderOptions {
  rate: AnalysisRate;
  /** ffmpeg -q:v (2 best … 31 worst) */
  jpegQuality: number;
  onFrame: (frame: DecodedFrame) => void;
  ffmpegPath?: string;
  log: Logger;
}

// bytes waiting in the decoder's stdin: beyond this it is not keeping up, and access units are dropped
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
const RESTART_MAX_MS = 60_000;

/** Input flags for a raw H.264 pipe that must give each picture out as soon as it is in. */
export const RAW_H264_LOW_DELAY_INPUT = ['-probesize', '32', '-analyzeduration', '0', '-flags', 'low_delay', '-threads', '1', '-f', 'h264'];

// one encoder thread: with frame threads each JPEG would come out only when the next picture goes in
const JPEG_OUTPUT = (quality: number): string[] => ['-c:v', 'mjpeg', '-threads', '1', '-q:v', String(quality), '-f', 'image2pipe', 'pipe:1'];

export function frameDecoderArgs(rate: AnalysisRate, jpegQuality: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    // in fps mode every picture is fed as it arrives: its arrival time is the time the fps filter samples on
    ...(rate.mode === 'fps' ? ['-use_wallclock_as_timestamps', '1'] : []),
    ...RAW_H264_LOW_DELAY_INPUT, '-i', 'pipe:0',
    ...(rate.mode === 'fps' ? ['-vf', `fps=${rate.fps}`] : ['-fps_mode', 'passthrough']),
    ...JPEG_OUTPUT(jpegQuality),
  ];
}

export class FrameDecoder {
  private child: ChildProcess | null = null;
  /** nothing is fed until an IDR: a decoder starting mid-GOP would only produce errors */
  private needIdr = true;
  private stopped = false;
  private dropped = 0;
  private droppingSince: number | null = null;
  /** a decoder that exits (ffmpeg missing, a broken stream) is not started again before this */
  private restartNotBefore = 0;
  private failures = 0;

  constructor(private readonly o: FrameDecoderOptions) {}

  /** Access units dropped because the decoder fell behind or was restarting. */
  get droppedAccessUnits(): number {
    return this.dropped;
  }

  push(au: TimedAccessUnit): void {
    if (this.stopped) return;
    // keyframes mode feeds only IDRs: each decodes on its own, and no other picture is ever decoded
    if (this.o.rate.mode === 'keyframes' && !au.idr) return;
    if (this.needIdr && !au.idr) return;
    if (!this.child && Date.now() < this.restartNotBefore) return;
    const child = this.child ?? this.spawn();
    const stdin = child.stdin!;
    if (stdin.writableLength > MAX_PENDING_BYTES) {
      this.drop();
      return;
    }
    if (this.droppingSince !== null) {
      this.o.log.info({ dropped_access_units: this.dropped, behind_ms: Date.now() - this.droppingSince }, 'frame decoder caught up');
      this.droppingSince = null;
    }
    this.needIdr = false;
    stdin.write(annexBOf(au));
  }

  /** The source restarted: the next picture fed is an IDR. */
  reset(): void {
    this.needIdr = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('close', r));
    child.stdin!.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(kill);
  }

  private drop(): void {
    this.dropped++;
    // a dropped picture breaks the ones that refer to it: in fps mode feeding resumes at an IDR
    if (this.o.rate.mode === 'fps') this.needIdr = true;
    if (this.droppingSince === null) {
      this.droppingSince = Date.now();
      this.o.log.warn('frame decoder is not keeping up: frames for analysis are dropped until it does');
    }
  }

  private spawn(): ChildProcess {
    const child = spawn(this.o.ffmpegPath ?? 'ffmpeg', frameDecoderArgs(this.o.rate, this.o.jpegQuality), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdin!.on('error', () => {});
    child.stdout!.on('error', () => {}).pipe(new MjpegSplitter()).on('data', (jpeg: Buffer) => {
      const size = jpegSize(jpeg);
      if (size) this.o.onFrame({ jpeg, ...size });
    });
    let lastError = '';
    child.stderr!.on('data', (d: Buffer) => (lastError = d.toString().trim().split('\n').at(-1)!.slice(0, 300)));
    child.on('error', (err) => (lastError = err.message));
    const startedAt = Date.now();
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = null;
      this.needIdr = true;
      if (this.stopped) return;
      // one that ran a while had a one-off failure; one that keeps dying right away waits longer each time (≤ 1 min)
      this.failures = Date.now() - startedAt > RESTART_MAX_MS ? 1 : this.failures + 1;
      const waitMs = Math.min(RESTART_MAX_MS, 1000 * 2 ** (this.failures - 1));
      this.restartNotBefore = Date.now() + waitMs;
      this.o.log.warn({ code, signal, cause: lastError, restart_in_ms: waitMs }, 'frame decoder exited; it starts again at a keyframe');
    });
    return child;
  }
}

/** One JPEG of one IDR access unit (a snapshot on request), from a one-shot ffmpeg. */
export async function decodeKeyframe(au: TimedAccessUnit, o: { jpegQuality: number; ffmpegPath?: string; timeoutMs?: number }): Promise<DecodedFrame> {
  if (!au.idr) throw new Error('only an IDR access unit decodes on its own');
  const child = spawn(o.ffmpegPath ?? 'ffmpeg', [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', ...RAW_H264_LOW_DELAY_INPUT, '-i', 'pipe:0',
    '-frames:v', '1', ...JPEG_OUTPUT(o.jpegQuality),
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-300)));
  child.stdin!.on('error', () => {});
  child.stdin!.end(annexBOf(au, { delimited: false }));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 10_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (e) => ((stderr = e.message), resolve(null)));
    child.once('close', resolve);
  });
  clearTimeout(timer);
  const jpeg = Buffer.concat(out);
  const size = jpegSize(jpeg);
  if (code !== 0 || !size) throw new Error(`the keyframe did not decode: ${stderr.trim() || `ffmpeg exited with ${code}`}`);
  return { jpeg, ...size };
}
