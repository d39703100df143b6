import path from 'node:path';

/**
 * One ffmpeg process per channel does both jobs (DESIGN §2.2, §4: 35 % cheaper than two):
 *   output 0: H.264 copied into MPEG-TS segments (survive a kill mid-write), named by wall-clock start;
 *   output 1: keyframes only (`-skip_frame nokey`) as JPEGs on stdout, ~1 fps when GOP = frame rate.
 * The segment list goes to fd 3 as CSV (`name,start,end` in stream seconds), one line per closed segment.
 */
export interface FfmpegArgsInput {
  url: string;
  /** strftime pattern of segment files, see segmentPattern() */
  segmentPattern: string;
  segmentSeconds: number;
  rtspTimeoutSeconds: number;
  /** ffmpeg -q:v for the JPEGs (2 best … 31 worst) */
  jpegQuality: number;
}

/** File descriptor the child writes the segment list to. */
export const SEGMENT_LIST_FD = 3;

export function buildFfmpegArgs(i: FfmpegArgsInput): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats',
    // info level: the segment muxer announces "Opening '<file>' for writing", our segment-open signal
    '-loglevel', 'level+info',
    // -copyts: without it the copied output gets bad DTS when the decoder skips non-keyframes
    '-copyts',
    '-rtsp_transport', 'tcp',
    // socket I/O timeout (µs): without it ffmpeg hangs forever on a silent server
    '-timeout', String(Math.round(i.rtspTimeoutSeconds * 1e6)),
    // else the first frame appears only after ~5 s of probing
    '-analyzeduration', '1000000',
    '-skip_frame', 'nokey',
    '-i', i.url,

    // Video only: DVR audio (G.711) cannot be copied into MPEG-TS and would need a decode.
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_format', 'mpegts', '-segment_time', String(i.segmentSeconds),
    '-reset_timestamps', '1', '-strftime', '1',
    '-segment_list', `pipe:${SEGMENT_LIST_FD}`, '-segment_list_type', 'csv',
    i.segmentPattern,

    '-map', '0:v:0', '-fps_mode', 'passthrough',
    '-c:v', 'mjpeg', '-q:v', String(i.jpegQuality),
    '-f', 'image2pipe', 'pipe:1',
  ];
}

/**
 * `<recordingsDir>/<cameraId>/%Y%m%d/%H%M%S_<spawnTag>.ts`, expanded by ffmpeg in UTC (the worker
 * runs it with TZ=UTC). The spawn tag keeps names unique when a restart lands in the same second
 * or the clock steps back, so a segment is never overwritten. ffmpeg does not create the day
 * directories: the worker makes them (today and tomorrow) before they are needed.
 */
export function segmentPattern(recordingsDir: string, cameraId: string, spawnTag: string): string {
  return path.join(recordingsDir, cameraId, '%Y%m%d', `%H%M%S_${spawnTag}.ts`);
}

/** A 6-digit tag from the spawn time. */
export function spawnTag(now: number): string {
  return String(now % 1e6).padStart(6, '0');
}

/** The UTC day directory name (YYYYMMDD) of a time. */
export function dayDir(t: Date): string {
  return t.toISOString().slice(0, 10).replace(/-/g, '');
}

const SEGMENT_NAME = /^([^/]+)\/(\d{4})(\d{2})(\d{2})\/(\d{2})(\d{2})(\d{2})(?:_[0-9A-Za-z]+)?\.ts$/;

/** Camera and wall-clock start from a segment path relative to the recordings dir; null if not ours. */
export function parseSegmentPath(relPath: string): { cameraId: string; start: Date } | null {
  const m = SEGMENT_NAME.exec(relPath.split(path.sep).join('/'));
  if (!m) return null;
  const [, cameraId, y, mo, d, h, mi, s] = m as unknown as [string, string, string, string, string, string, string, string];
  const start = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  // rejects impossible dates such as month 13 instead of letting Date roll them over
  const valid = !Number.isNaN(start.getTime()) && start.toISOString().startsWith(`${y}-${mo}-${d}T${h}:${mi}:${s}`);
  return valid ? { cameraId, start } : null;
}
