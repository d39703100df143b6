import path from 'node:path';
import type { AnalysisRate } from '../core/types.ts';

/**
 * One ffmpeg process per channel does every job (DESIGN §2.2, §4: 35 % cheaper than separate processes):
 *   H.264 copied into MPEG-TS segments (survive a kill mid-write), named by wall-clock start;
 *   optionally H.264 copied into live HLS and into an RTP feed for WebRTC (see LiveOutputs);
 *   last, JPEGs for analysis on stdout (see AnalysisRate).
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
  /** default keyframes */
  analysis?: AnalysisRate;
  live?: LiveOutputs;
}

/** Copies of the stream for live viewing; each is optional. */
export interface LiveOutputs {
  hls?: HlsOutput;
  /** RTP to 127.0.0.1:port (RTCP to port + 1), its SDP written to sdpPath once connected */
  rtp?: { port: number; sdpPath: string };
}

export interface HlsOutput {
  /** playlist index.m3u8 and the segments, see isLiveHlsFile() */
  dir: string;
  /** 1 s segments when the GOP is 1 s: HLS can only cut at keyframes */
  segmentSeconds: number;
  listSize: number;
  /** keeps segment names of successive ffmpeg runs apart (see spawnTag) */
  spawnTag: string;
}

export const HLS_PLAYLIST = 'index.m3u8';
const LIVE_HLS_FILE = /^(?:index\.m3u8|\d{6}_\d{1,20}\.ts)$/;

/** The only names the HLS output writes: the playlist and `<spawnTag>_<sequence>.ts`. */
export function isLiveHlsFile(name: string): boolean {
  return LIVE_HLS_FILE.test(name);
}

/** File descriptor the child writes the segment list to. */
export const SEGMENT_LIST_FD = 3;

/** JPEGs ffmpeg holds while nobody reads them: a few seconds of keyframes, bounded memory */
const JPEG_QUEUE_FRAMES = 30;

export function buildFfmpegArgs(i: FfmpegArgsInput): string[] {
  const analysis = i.analysis ?? { mode: 'keyframes' };
  return [
    ...inputArgs(i.url, i.rtspTimeoutSeconds, { jpegs: true, keyframesOnly: analysis.mode === 'keyframes' }),

    // Video only: DVR audio (G.711) cannot be copied into MPEG-TS and would need a decode.
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_format', 'mpegts', '-segment_time', String(i.segmentSeconds),
    '-reset_timestamps', '1', '-strftime', '1',
    '-segment_list', `pipe:${SEGMENT_LIST_FD}`, '-segment_list_type', 'csv',
    i.segmentPattern,

    ...liveOutputArgs(i.live ?? {}),

    '-map', '0:v:0', ...(analysis.mode === 'fps' ? ['-vf', `fps=${analysis.fps}`] : []), '-fps_mode', 'passthrough',
    '-c:v', 'mjpeg', '-q:v', String(i.jpegQuality),
    // JPEGs go through a queue written by its own thread that drops frames when full: if this
    // process stops reading (a blocked event loop), ffmpeg skips analysis frames instead of
    // blocking on the pipe, and the recording and live outputs keep flowing.
    '-f', 'fifo', '-fifo_format', 'image2pipe', '-queue_size', String(JPEG_QUEUE_FRAMES), '-drop_pkts_on_overflow', '1', 'pipe:1',
  ];
}

/** A light ffmpeg that only copies the stream to live outputs (the sub-stream for grid views): nothing is decoded. */
export function buildLiveOnlyArgs(i: { url: string; rtspTimeoutSeconds: number; live: LiveOutputs }): string[] {
  return [...inputArgs(i.url, i.rtspTimeoutSeconds, { jpegs: false, keyframesOnly: false }), ...liveOutputArgs(i.live)];
}

function inputArgs(url: string, rtspTimeoutSeconds: number, decode: { jpegs: boolean; keyframesOnly: boolean }): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats',
    // info level: the segment and HLS muxers announce "Opening '<file>' for writing", our progress signal
    '-loglevel', 'level+info',
    // -copyts: without it the copied outputs get bad DTS when the decoder skips non-keyframes;
    // kept in fps mode too, so the recording's timestamps never depend on the analysis rate
    ...(decode.jpegs ? ['-copyts'] : []),
    '-rtsp_transport', 'tcp',
    // socket I/O timeout (µs): without it ffmpeg hangs forever on a silent server
    '-timeout', String(Math.round(rtspTimeoutSeconds * 1e6)),
    // else the first frame appears only after ~5 s of probing
    '-analyzeduration', '1000000',
    ...(decode.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-i', url,
  ];
}

function liveOutputArgs(live: LiveOutputs): string[] {
  const args: string[] = [];
  if (live.hls) {
    const h = live.hls;
    args.push(
      '-map', '0:v:0', '-c', 'copy',
      '-f', 'hls', '-hls_time', String(h.segmentSeconds), '-hls_list_size', String(h.listSize),
      '-hls_flags', 'delete_segments+independent_segments+omit_endlist+program_date_time',
      // media sequence = epoch seconds: it keeps increasing across restarts, so players never see it go back
      '-hls_start_number_source', 'epoch',
      '-hls_segment_filename', path.join(h.dir, `${h.spawnTag}_%d.ts`),
      path.join(h.dir, HLS_PLAYLIST),
    );
  }
  if (live.rtp) {
    args.push(
      '-map', '0:v:0', '-c', 'copy',
      '-f', 'rtp', '-payload_type', '96', '-sdp_file', live.rtp.sdpPath,
      // packets are forwarded as they are to WebRTC viewers: 1200 B leaves room for SRTP, UDP/IP and
      // tunnels within a 1500 B MTU (ffmpeg's default 1472 would fragment on real networks)
      `rtp://127.0.0.1:${live.rtp.port}?pkt_size=1200`,
    );
  }
  return args;
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
