/**
 * The LL-HLS media playlist of one camera (RFC 8216bis): segments of the window, the parts of the
 * newest ones, and a preload hint for the part being made.
 */
import { TIMESCALE } from '../fmp4/fmp4.ts';
import { initName, partName, segmentName } from './names.ts';

/** a part is what hls.js fetches at the live edge: 200 ms, one fMP4 fragment */
export const PART_TARGET_S = 0.2;
/**
 * Segments are cut at the first IDR after 1 s, or without one at 2.4 s (a camera with long or no
 * GOPs): rounded, never more than this. It may not change during a stream, so it is a constant.
 */
export const TARGET_DURATION_S = 2;
/**
 * How far behind the live edge players stay (hls.js in low-latency mode targets exactly this).
 * RFC 8216bis: at least twice the part target (MUST), three times recommended (SHOULD). 2.5 is what
 * MediaMTX's gohlslib serves (muxer_stream.go: partHoldBack = partTargetDuration * 25 / 10): our
 * parts close the moment their last frame arrives, so half a part less of margin still leaves the
 * player two parts of headroom; measured in hls.js with interleaved sessions in one run, glass to
 * glass p50 1.11 s instead of 1.22 s, and 1.00 instead of 1.58, on a loaded 2-core box.
 */
const PART_HOLD_BACK_S = 2.5 * PART_TARGET_S;
/**
 * Complete segments listing their parts too (besides the one being made): parts only matter near
 * the live edge, and the playlist every viewer reloads five times a second stays small.
 */
const SEGMENTS_WITH_PARTS = 2;

export interface LlPart {
  /** numbered across the stream: the name and the fragment's sequence number */
  id: number;
  data: Buffer;
  /** TIMESCALE ticks */
  duration: number;
  /** starts with an IDR */
  independent: boolean;
}

export interface LlSegment {
  msn: number;
  parts: LlPart[];
  /** TIMESCALE ticks */
  duration: number;
  /** decode time of its first sample, TIMESCALE ticks */
  start: number;
  /** wall-clock time its first frame arrived (ms since the epoch) */
  programDateTime: number;
  /** the first after the source reconnected or changed its parameter sets */
  discontinuity: boolean;
  /** discontinuities from the stream's start up to and including this segment */
  discontinuitySequence: number;
  /** which init segment its fragments need */
  initGeneration: number;
  bytes: number;
}

export interface PlaylistView {
  /** complete segments to list, oldest first */
  segments: readonly LlSegment[];
  /** the segment being made (its parts so far), if any */
  open: LlSegment | undefined;
  /** the id of the next part; undefined while no next part can be promised (waiting for an IDR) */
  hintedPart: number | undefined;
  /**
   * A plain HLS playlist of the same segments for players without low-latency HLS: no parts,
   * hints or server control, and the URIs under this prefix (it is served from another path).
   */
  plain?: { uriPrefix: string };
}

const seconds = (ticks: number): string => (ticks / TIMESCALE).toFixed(5);

function partLines(parts: readonly LlPart[]): string[] {
  return parts.map((p) => `#EXT-X-PART:DURATION=${seconds(p.duration)},URI="${partName(p.id)}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
}

export function renderPlaylist(view: PlaylistView): string {
  const plain = view.plain !== undefined;
  const uri = (name: string): string => `${view.plain?.uriPrefix ?? ''}${name}`;
  const listed = !plain && view.open && view.open.parts.length > 0 ? [...view.segments, view.open] : view.segments;
  const first = listed[0];
  if (!first) throw new Error('an LL-HLS playlist needs a segment');
  const lines = [
    '#EXTM3U',
    // 6: EXT-X-MAP in a playlist without EXT-X-I-FRAMES-ONLY; nothing here needs more
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${TARGET_DURATION_S}`,
    ...(plain ? [] : [
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${PART_HOLD_BACK_S.toFixed(3)}`,
      `#EXT-X-PART-INF:PART-TARGET=${PART_TARGET_S.toFixed(3)}`,
    ]),
    `#EXT-X-MEDIA-SEQUENCE:${first.msn}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${first.discontinuitySequence - (first.discontinuity ? 1 : 0)}`,
  ];
  const withParts = plain ? Infinity : view.segments.length - SEGMENTS_WITH_PARTS;
  listed.forEach((s, i) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (i === 0 || s.initGeneration !== listed[i - 1]!.initGeneration) lines.push(`#EXT-X-MAP:URI="${uri(initName(s.initGeneration))}"`);
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`);
    if (s === view.open) {
      lines.push(...partLines(s.parts));
      return;
    }
    if (i >= withParts) lines.push(...partLines(s.parts));
    lines.push(`#EXTINF:${seconds(s.duration)},`, uri(segmentName(s.msn)));
  });
  if (!plain && view.hintedPart !== undefined) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partName(view.hintedPart)}"`);
  return `${lines.join('\n')}\n`;
}
