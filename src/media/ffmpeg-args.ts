import path from 'node:path';

/**
 * One ffmpeg process per channel holds the camera's RTSP session and copies its H.264, decoding
 * nothing:
 *   into MPEG-TS segments (survive a kill mid-write), named by wall-clock start;
 *   into RTP on a loopback port, the camera's live feed in this process (WebRTC, frames for
 *   analysis, snapshots — src/media/feed);
 *   optionally into live HLS (see LiveOutputs).
 * The segment list goes to fd 3 as CSV (`name,start,end` in stream seconds), one line per closed segment.
 */
export interface FfmpegArgsInput {
  url: string;
  /** strftime pattern of segment files, see segmentPattern() */
  segmentPattern: string;
  segmentSeconds: number;
  rtspTimeoutSeconds: number;
  /** the live feed: RTP (and RTCP) to 127.0.0.1:port, its SDP written to sdpPath once connected */
  feed: RtpOutput;
  live?: LiveOutputs;
}

export interface RtpOutput {
  port: number;
  sdpPath: string;
}

/** Copies of the stream for live viewing. */
export interface LiveOutputs {
  hls?: HlsOutput;
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

export function buildFfmpegArgs(i: FfmpegArgsInput): string[] {
  return [
    ...inputArgs(i.url, i.rtspTimeoutSeconds),

    // Video only: DVR audio (G.711) cannot be copied into MPEG-TS and would need a decode.
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_format', 'mpegts', '-segment_time', String(i.segmentSeconds),
    '-reset_timestamps', '1', '-strftime', '1',
    '-segment_list', `pipe:${SEGMENT_LIST_FD}`, '-segment_list_type', 'csv',
    i.segmentPattern,

    ...rtpOutputArgs(i.feed),
    ...liveOutputArgs(i.live ?? {}),
  ];
}

/** A light ffmpeg that only copies the stream to live outputs (the sub-stream for grid views): nothing is decoded. */
export function buildLiveOnlyArgs(i: { url: string; rtspTimeoutSeconds: number; live: LiveOutputs }): string[] {
  return [...inputArgs(i.url, i.rtspTimeoutSeconds), ...liveOutputArgs(i.live)];
}

function inputArgs(url: string, rtspTimeoutSeconds: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats',
    // info level: the segment and HLS muxers announce "Opening '<file>' for writing", our progress signal
    '-loglevel', 'level+info',
    '-rtsp_transport', 'tcp',
    // socket I/O timeout (µs): without it ffmpeg hangs forever on a silent server
    '-timeout', String(Math.round(rtspTimeoutSeconds * 1e6)),
    // else the first frame appears only after ~5 s of probing
    '-analyzeduration', '1000000',
    '-i', url,
  ];
}

function rtpOutputArgs(feed: RtpOutput): string[] {
  return [
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'rtp', '-payload_type', '96', '-sdp_file', feed.sdpPath,
    // packets are forwarded as they are to WebRTC viewers: 1200 B leaves room for SRTP, UDP/IP and
    // tunnels within a 1500 B MTU (ffmpeg's default 1472 would fragment on real networks).
    // RTCP to the same port (the feed drops it) rather than port + 1, which may be anyone's.
    `rtp://127.0.0.1:${feed.port}?pkt_size=1200&rtcpport=${feed.port}`,
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
