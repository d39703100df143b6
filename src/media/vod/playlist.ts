/**
 * HLS VOD playlist over recorded segments (RFC 8216). Served segments carry wall-clock
 * timestamps (ts-timestamps.ts), so only a real hole in the recording breaks the timeline:
 * there the playlist says EXT-X-DISCONTINUITY and restates EXT-X-PROGRAM-DATE-TIME.
 */
export interface VodSegment {
  id: number;
  start: Date;
  end: Date;
}

export interface VodGap {
  start: Date;
}

/** Holes shorter than this are clock jitter between segments of one recording run. */
export const CONTIGUOUS_TOLERANCE_MS = 500;

/** A hole, an overlap (clock step) or a recorded gap between two consecutive segments. */
export function isDiscontinuity(prevEnd: Date, next: Date, gaps: VodGap[]): boolean {
  const hole = next.getTime() - prevEnd.getTime();
  if (Math.abs(hole) > CONTIGUOUS_TOLERANCE_MS) return true;
  return gaps.some((g) => g.start.getTime() >= prevEnd.getTime() - CONTIGUOUS_TOLERANCE_MS && g.start.getTime() <= next.getTime());
}

/** `segments` ordered by start; `uri` names a segment for the client. */
export function vodPlaylist(segments: VodSegment[], gaps: VodGap[], uri: (s: VodSegment) => string): string {
  const seconds = (s: VodSegment) => Math.max(0, (s.end.getTime() - s.start.getTime()) / 1000);
  const target = Math.max(1, Math.ceil(Math.max(0, ...segments.map(seconds))));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-PLAYLIST-TYPE:VOD', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS'];
  segments.forEach((s, i) => {
    const prev = segments[i - 1];
    const broken = prev !== undefined && isDiscontinuity(prev.end, s.start, gaps);
    if (broken) lines.push('#EXT-X-DISCONTINUITY');
    if (!prev || broken) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.start.toISOString()}`);
    lines.push(`#EXTINF:${seconds(s).toFixed(3)},`, uri(s));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
