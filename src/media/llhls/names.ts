/**
 * The file names of one camera's LL-HLS: what the playlist lists and the route accepts. Parts are
 * numbered across the whole stream rather than within their segment, so the part a preload hint
 * names keeps its name whether it ends up in the current segment or opens the next one.
 */

export const LL_PLAYLIST = 'index.m3u8';
/** the init segment of the stream as it is now (the playlist names each generation's own) */
export const CURRENT_INIT = 'init.mp4';

export const initName = (generation: number): string => `init${generation}.mp4`;
export const segmentName = (msn: number): string => `seg${msn}.m4s`;
export const partName = (id: number): string => `part${id}.m4s`;

export type LlHlsFile = { kind: 'init'; generation?: number } | { kind: 'segment'; msn: number } | { kind: 'part'; id: number };

// 15 digits: below Number.MAX_SAFE_INTEGER, whatever is asked for
const NAME = /^(?:(init)(\d{0,15})\.mp4|(seg|part)(\d{1,15})\.m4s)$/;

/** What a media file name of the LL-HLS stream refers to; undefined when it is not one. */
export function parseLlHlsName(file: string): LlHlsFile | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  if (m[1]) return m[2] ? { kind: 'init', generation: Number(m[2]) } : { kind: 'init' };
  return m[3] === 'seg' ? { kind: 'segment', msn: Number(m[4]) } : { kind: 'part', id: Number(m[4]) };
}
