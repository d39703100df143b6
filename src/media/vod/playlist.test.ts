import { describe, expect, it } from 'vitest';
import { isDiscontinuity, vodPlaylist } from './playlist.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 20, 14, 30, 0) + s * 1000);
const seg = (id: number, from: number, to: number) => ({ id, start: t(from), end: t(to) });
const uri = (s: { id: number }) => `/vod/cam_1/seg/${s.id}.ts`;

describe('VOD playlist', () => {
  it('is a VOD playlist with target duration, EXTINF and one PROGRAM-DATE-TIME for a contiguous run', () => {
    const text = vodPlaylist([seg(1, 0, 10), seg(2, 10.02, 20.5), seg(3, 20.5, 30)], [], uri);
    const lines = text.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual(['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-TARGETDURATION:11']);
    expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
    expect(lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME'))).toEqual(['#EXT-X-PROGRAM-DATE-TIME:2026-01-20T14:30:00.000Z']);
    expect(lines).not.toContain('#EXT-X-DISCONTINUITY');
    expect(lines.filter((l) => l.startsWith('#EXTINF'))).toEqual(['#EXTINF:10.000,', '#EXTINF:10.480,', '#EXTINF:9.500,']);
    expect(lines.filter((l) => l.startsWith('/vod/'))).toEqual(['/vod/cam_1/seg/1.ts', '/vod/cam_1/seg/2.ts', '/vod/cam_1/seg/3.ts']);
  });

  it('marks a hole with a discontinuity and restates the wall-clock time after it', () => {
    const lines = vodPlaylist([seg(1, 0, 10), seg(2, 25, 35)], [], uri).split('\n');
    const at = lines.indexOf('#EXT-X-DISCONTINUITY');
    expect(at).toBeGreaterThan(lines.indexOf('/vod/cam_1/seg/1.ts'));
    expect(lines[at + 1]).toBe(`#EXT-X-PROGRAM-DATE-TIME:${t(25).toISOString()}`);
  });

  it('treats jitter as contiguous, and a recorded gap or a clock step as a discontinuity', () => {
    expect(isDiscontinuity(t(10), t(10.3), [])).toBe(false);
    expect(isDiscontinuity(t(10), t(10.3), [{ start: t(10) }])).toBe(true);
    expect(isDiscontinuity(t(10), t(9), [])).toBe(true);
    expect(isDiscontinuity(t(10), t(10.3), [{ start: t(40) }])).toBe(false);
  });
});
