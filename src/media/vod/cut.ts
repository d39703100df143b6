import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../../core/redact.ts';
import { readMediaSpan, TICKS_PER_SECOND } from './ts-timestamps.ts';

export interface CutSegment {
  /** absolute path of the segment file */
  file: string;
  start: Date;
  end: Date;
}

export interface CutOptions {
  /** closed segments overlapping [from, to), ordered by start */
  segments: CutSegment[];
  from: Date;
  to: Date;
  /** the MP4 to write; its concat list is written beside it (`<out>.txt`) */
  out: string;
  signal?: AbortSignal;
  ffmpegPath?: string;
}

const STDERR_KEEP = 2000;

/** Where exports and clips are cut before they are sent or stored: on the data disk, not a tmpfs. */
export const cutTmpDir = (dataDir: string): string => path.join(dataDir, 'tmp');

/** A path as a quoted concat-demuxer string (`'` → `'\''`). */
const quote = (p: string): string => `'${p.replace(/'/g, "'\\''")}'`;

/**
 * In/out point (seconds, in the file's own timestamps) of wall-clock `at`, and the wall-clock time
 * the file's media starts. A segment's media ends at its end_time, as in VOD (ts-timestamps.ts);
 * the point is null when `at` lies outside the file.
 */
async function pointIn(seg: CutSegment, at: Date): Promise<{ point: number | null; mediaStart: Date }> {
  const span = await readMediaSpan(seg.file);
  const ticks = span.endPts - ((seg.end.getTime() - at.getTime()) / 1000) * TICKS_PER_SECOND;
  const mediaStart = new Date(seg.end.getTime() - ((span.endPts - span.firstPts) / TICKS_PER_SECOND) * 1000);
  return { point: ticks > span.firstPts && ticks < span.endPts ? ticks / TICKS_PER_SECOND : null, mediaStart };
}

/**
 * Cuts [from, to) out of recorded MPEG-TS segments into an MP4, by copy (no re-encode): ffmpeg's
 * concat demuxer with an inpoint on the first file and an outpoint on the last. Copy starts at the
 * keyframe ffmpeg's seek finds next to `from` (within one GOP); holes between segments are closed
 * up, not padded. creation_time holds the wall-clock start. `+faststart` puts the index first, so
 * the file plays while it downloads.
 */
export async function cutMp4(o: CutOptions): Promise<void> {
  const first = o.segments[0];
  const last = o.segments.at(-1);
  if (!first || !last) throw new Error('nothing to cut: no segments');
  const { point: inpoint, mediaStart } = await pointIn(first, o.from);
  const { point: outpoint } = await pointIn(last, o.to);
  const startsAt = new Date(Math.max(o.from.getTime(), mediaStart.getTime()));
  const list = o.segments.flatMap((s) => [
    `file ${quote(s.file)}`,
    ...(s === first && inpoint !== null ? [`inpoint ${inpoint.toFixed(3)}`] : []),
    ...(s === last && outpoint !== null ? [`outpoint ${outpoint.toFixed(3)}`] : []),
  ]);
  const listFile = `${o.out}.txt`;
  await writeFile(listFile, `ffconcat version 1.0\n${list.join('\n')}\n`);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'concat', '-safe', '0', '-i', listFile,
    '-map', '0:v:0', '-c', 'copy',
    '-movflags', '+faststart', '-metadata', `creation_time=${startsAt.toISOString()}`,
    '-f', 'mp4', '-y', o.out,
  ];
  await runFfmpeg(o.ffmpegPath ?? 'ffmpeg', args, o.signal);
}

function runFfmpeg(bin: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('cut aborted'));
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (e) => reject(new Error(`cannot run ${bin}: ${e.message}`)));
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) reject(new Error('cut aborted'));
      else if (code === 0) resolve();
      else reject(new Error(`ffmpeg failed (${sig ?? `exit ${code}`}): ${redact(stderr.trim()) || 'no output'}`));
    });
  });
}
