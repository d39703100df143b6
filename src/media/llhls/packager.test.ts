import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { find, readFragment } from '../fmp4/test-boxes.ts';
import { LlHlsPackager, SEGMENTS_LISTED } from './packager.ts';
import { feed, frame, OTHER_SPS, T0 } from './test-frames.ts';

const log = createLogger('silent');

const tags = (playlist: string, tag: string): string[] => playlist.split('\n').filter((l) => l.startsWith(tag));
const packager = (blockTimeoutMs?: number) => new LlHlsPackager({ cameraId: 'cam_a', log, blockTimeoutMs });
const ok = <T>(a: { ok: T } | { status: number; reason: string }): T => {
  if (!('ok' in a)) throw new Error(`${a.status}: ${a.reason}`);
  return a.ok;
};

describe('LL-HLS packager: parts and segments', () => {
  it('cuts 200 ms parts (independent when they start with the IDR) and 1 s segments at the IDRs of a 1 s GOP', () => {
    const p = packager();
    feed(p, 0, 50);
    // the 50th frame completed the second segment's last part; it is complete once the next IDR arrives
    feed(p, 50, 51);
    const pl = p.playlist()!;
    expect(tags(pl, '#EXTINF')).toEqual(['#EXTINF:1.00000,', '#EXTINF:1.00000,']);
    expect(tags(pl, '#EXT-X-PART:')).toHaveLength(10);
    expect(tags(pl, '#EXT-X-PART:').every((l) => l.includes('DURATION=0.20000'))).toBe(true);
    expect(tags(pl, '#EXT-X-PART:').map((l) => l.includes('INDEPENDENT=YES'))).toEqual([true, false, false, false, false, true, false, false, false, false]);
    expect(pl).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part10.m4s"');
    // every part's fragment: 5 frames of 3600 ticks, decode times continuous from 0
    for (let id = 0; id < 10; id++) {
      const f = readFragment(p.segment(Math.floor(id / 5))![id % 5]!);
      expect(f).toMatchObject({ sequence: id + 1, baseDecodeTime: id * 18_000 });
      expect(f.samples.map((s) => [s.duration, s.sync])).toEqual([[3600, id % 5 === 0], [3600, false], [3600, false], [3600, false], [3600, false]]);
    }
  });

  it('publishes a part with its last frame, not one frame later, and no playlist before the first segment', () => {
    const p = packager();
    feed(p, 0, 25);
    expect(p.playlist()).toBeUndefined();
    feed(p, 25, 29);
    expect(p.playlist()).not.toContain('URI="part5.m4s",INDEPENDENT');
    feed(p, 29, 30); // frames 25-29: part 5
    expect(p.playlist()).toContain('#EXT-X-PART:DURATION=0.20000,URI="part5.m4s",INDEPENDENT=YES');
    expect(p.playlist()).toContain('URI="part6.m4s"');
  });

  it('writes the playlist RFC 8216bis asks for: server control, part info, map, date-time, parts near the edge, a preload hint', () => {
    const p = packager();
    feed(p, 0, 25 * 5 + 7);
    const pl = p.playlist()!;
    expect(pl.split('\n').slice(0, 7)).toEqual([
      '#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.500', '#EXT-X-PART-INF:PART-TARGET=0.200',
      '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    ]);
    expect(tags(pl, '#EXT-X-MAP')).toEqual(['#EXT-X-MAP:URI="init0.mp4"']);
    expect(tags(pl, '#EXT-X-PROGRAM-DATE-TIME')[0]).toBe(`#EXT-X-PROGRAM-DATE-TIME:${new Date(T0).toISOString()}`);
    expect(tags(pl, '#EXT-X-PROGRAM-DATE-TIME')[5]).toBe(`#EXT-X-PROGRAM-DATE-TIME:${new Date(T0 + 5000).toISOString()}`);
    expect(pl.split('\n').filter((l) => l.startsWith('seg'))).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s', 'seg3.m4s', 'seg4.m4s']);
    // parts of the last two complete segments and the one being made (frames 125-129 make its first part)
    expect(tags(pl, '#EXT-X-PART:')).toHaveLength(11);
    expect(pl.indexOf('part15.m4s')).toBeGreaterThan(pl.indexOf('seg2.m4s'));
    expect(pl).not.toContain('part14.m4s');
    expect(pl.trimEnd().split('\n').at(-1)).toBe('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part26.m4s"');
    expect(p.init()).toEqual(p.init(0));
    expect(find(p.init()!, ['moov', 'trak', 'tkhd']).body.readUInt32BE(76) / 0x10000).toBe(960);
  });

  it('lists the same complete segments as plain HLS for players without low-latency HLS: no parts, hints or server control', () => {
    const p = packager();
    feed(p, 0, 25 * 5 + 7);
    const plain = p.plainPlaylist('ll/')!;
    for (const tag of ['#EXT-X-PART', '#EXT-X-PRELOAD-HINT', '#EXT-X-SERVER-CONTROL', '#EXT-X-PART-INF']) expect(plain).not.toContain(tag);
    expect(tags(plain, '#EXT-X-MAP')).toEqual(['#EXT-X-MAP:URI="ll/init0.mp4"']);
    expect(plain.split('\n').filter((l) => !l.startsWith('#') && l)).toEqual(['ll/seg0.m4s', 'll/seg1.m4s', 'll/seg2.m4s', 'll/seg3.m4s', 'll/seg4.m4s']);
    expect(tags(plain, '#EXT-X-MEDIA-SEQUENCE')).toEqual(tags(p.playlist()!, '#EXT-X-MEDIA-SEQUENCE'));
  });

  it('keeps a window of segments whatever the run time, media sequence numbers rising', () => {
    const p = packager();
    feed(p, 0, 25 * 60);
    const pl = p.playlist()!;
    expect(pl.split('\n').filter((l) => l.startsWith('seg'))).toHaveLength(SEGMENTS_LISTED);
    expect(tags(pl, '#EXT-X-MEDIA-SEQUENCE')).toEqual([`#EXT-X-MEDIA-SEQUENCE:${59 - SEGMENTS_LISTED}`]);
    expect(p.segment(59 - SEGMENTS_LISTED - 1)).toBeDefined(); // one more stays fetchable
    expect(p.segment(59 - SEGMENTS_LISTED - 2)).toBeUndefined();
  });

  it('bridges lost frames with one long frame, keeping the frame interval of the frames around it', () => {
    const p = packager();
    feed(p, 0, 42);
    feed(p, 60, 130); // 18 frames lost (0.72 s): the frame before the gap stays on screen
    const durations = [0, 1, 2, 3].flatMap((msn) => p.segment(msn)!.flatMap((part) => readFragment(part).samples.map((s) => s.duration)));
    expect(durations.filter((d) => d !== 3600)).toEqual([19 * 3600]);
    expect(durations.reduce((a, b) => a + b, 0)).toBe(125 * 3600);
  });

  it('drops frames before the first IDR', () => {
    const p = packager();
    for (let n = 5; n < 80; n++) p.push(frame(n));
    expect(readFragment(p.segment(0)![0]!).samples[0]!.sync).toBe(true);
    expect(readFragment(p.segment(0)![0]!).baseDecodeTime).toBe(0);
  });
});

describe('LL-HLS packager: reconnects', () => {
  it('goes on at the next IDR with the same init, numbering and timeline continuing, hinting nothing until then', () => {
    const p = packager();
    feed(p, 0, 60);
    p.reset();
    let pl = p.playlist()!;
    expect(pl).not.toContain('PRELOAD-HINT');
    expect(pl.split('\n').filter((l) => l.startsWith('seg'))).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s']);
    // the camera is back: its clock restarted, P frames first
    for (let n = 3; n < 60; n++) p.push(frame(n, { pts: 5000 + n * 3600 }));
    pl = p.playlist()!;
    expect(pl.split('\n').filter((l) => l.startsWith('seg'))).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s', 'seg3.m4s']);
    // same parameter sets: the same stream with a gap, no discontinuity
    expect(pl).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(tags(pl, '#EXT-X-MAP')).toHaveLength(1);
    expect(tags(pl, '#EXT-X-PROGRAM-DATE-TIME')[3]).toBe(`#EXT-X-PROGRAM-DATE-TIME:${new Date(T0 + 25 * 40).toISOString()}`);
    // decode time goes on from where the first connection ended (60 frames)
    expect(readFragment(p.segment(3)![0]!).baseDecodeTime).toBe(60 * 3600);
    expect(pl).toContain('PRELOAD-HINT');
  });

  it('gives a changed stream a discontinuity and its own init segment, after a reconnect or without one', () => {
    const reconnected = packager();
    feed(reconnected, 0, 50);
    reconnected.reset();
    feed(reconnected, 0, 50, { sps: OTHER_SPS });
    expect(reconnected.playlist()).toMatch(/seg1\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init1.mp4"\n#EXT-X-PROGRAM-DATE-TIME/);

    const p = packager();
    feed(p, 0, 50);
    feed(p, 50, 100, { sps: OTHER_SPS });
    const pl = p.playlist()!;
    expect(tags(pl, '#EXT-X-MAP')).toEqual(['#EXT-X-MAP:URI="init0.mp4"', '#EXT-X-MAP:URI="init1.mp4"']);
    expect(pl).toMatch(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init1.mp4"/);
    expect(find(p.init(1)!, ['moov', 'trak', 'tkhd']).body.readUInt32BE(76) / 0x10000).toBe(64);
    expect(p.init()).toBe(p.init(1));
    // once its segments leave the window, the old init goes too and the discontinuity is counted
    feed(p, 100, 400, { sps: OTHER_SPS });
    expect(p.init(0)).toBeUndefined();
    expect(tags(p.playlist()!, '#EXT-X-DISCONTINUITY-SEQUENCE')).toEqual(['#EXT-X-DISCONTINUITY-SEQUENCE:1']);
  });
});

describe('LL-HLS packager: bounded memory', () => {
  it('cuts segments without a key frame when none comes, and holds a bounded window', () => {
    const p = packager();
    feed(p, 0, 25 * 120, { gop: 0 });
    const pl = p.playlist()!;
    const durations = tags(pl, '#EXTINF').map((l) => Number(/:([\d.]+)/.exec(l)![1]));
    expect(durations).toHaveLength(SEGMENTS_LISTED);
    for (const d of durations) expect(Math.round(d)).toBeLessThanOrEqual(2);
    expect(p.bytes).toBeLessThan(8 * 25 * 3 * 100 + 100_000);
  });

  it('stays under its byte ceiling with huge frames, and ends parts of a source whose clock stands still', () => {
    const p = packager();
    feed(p, 0, 25 * 12, { size: 1_000_000 });
    expect(p.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(p.bytes).toBeGreaterThan(40 * 1024 * 1024);
    const stuck = packager();
    for (let n = 0; n < 20_000; n++) stuck.push(frame(n, { pts: 7, gop: 0 }));
    expect(tags(stuck.playlist()!, '#EXT-X-PART:')[0]).toMatch(/DURATION=0.00067,/); // 60 frames of one tick
    expect(stuck.bytes).toBeLessThan(13_000 * 110);
  });
});

describe('LL-HLS packager: blocking requests', () => {
  it('holds a playlist request until the part asked for exists, then answers at once', async () => {
    const p = packager();
    feed(p, 0, 30);
    let answered: string | undefined;
    const pending = p.playlistFor({ msn: 1, part: 2 }).then((a) => (answered = ok(a)));
    feed(p, 30, 39);
    await Promise.resolve();
    expect(answered).toBeUndefined();
    feed(p, 39, 40); // frames 35-39: part 2 of segment 1
    await pending;
    expect(answered).toContain('part7.m4s');
    // already there: no wait
    expect(ok(await p.playlistFor({ msn: 0 }))).toContain('seg0.m4s');
    expect(ok(await p.playlistFor({ msn: 1, part: 0 }))).toContain('part5.m4s');
  });

  it('treats a part index past the end of a segment as part 0 of the next', async () => {
    const p = packager();
    feed(p, 0, 26);
    let done = false;
    const pending = p.playlistFor({ msn: 0, part: 5 }).then(() => (done = true));
    feed(p, 26, 29);
    await Promise.resolve();
    expect(done).toBe(false);
    feed(p, 29, 30);
    await pending;
    expect(done).toBe(true);
  });

  it('waits for a segment to complete when only _HLS_msn is given', async () => {
    const p = packager();
    feed(p, 0, 30);
    let done = false;
    const pending = p.playlistFor({ msn: 1 }).then(() => (done = true));
    feed(p, 30, 50);
    await Promise.resolve();
    expect(done).toBe(false);
    feed(p, 50, 51);
    await pending;
  });

  it('refuses directives too far ahead or without _HLS_msn at once (400), and gives up with 503 after the block timeout', async () => {
    const p = packager(50);
    feed(p, 0, 30);
    expect(await p.playlistFor({ msn: 4 })).toEqual({ status: 400, reason: '_HLS_msn=4 is more than two segments past the newest (1)' });
    expect(await p.playlistFor({ msn: 1, part: 17 })).toMatchObject({ status: 400, reason: expect.stringMatching(/more than 15 parts past/) });
    expect(await p.playlistFor({ msn: 2, part: 15 })).toMatchObject({ status: 400 });
    expect(await p.playlistFor({ part: 1 })).toEqual({ status: 400, reason: '_HLS_part needs _HLS_msn' });
    expect(await p.playlistFor({ msn: 3 })).toMatchObject({ status: 503, reason: expect.stringMatching(/no segment 3 yet after 0.05 s/) });
    expect(await packager(50).playlistFor({})).toMatchObject({ status: 503, reason: expect.stringMatching(/no LL-HLS segment yet/) });
  });

  it('holds the hinted part until it is complete; parts not hinted or gone are 404', async () => {
    const p = packager(50);
    feed(p, 0, 31);
    expect(p.playlist()).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part6.m4s"');
    let part: Buffer | undefined;
    const pending = p.partFor(6).then((a) => (part = ok(a)));
    feed(p, 31, 34);
    await Promise.resolve();
    expect(part).toBeUndefined();
    feed(p, 34, 35);
    await pending;
    expect(readFragment(part!).samples).toHaveLength(5);
    expect(await p.partFor(8)).toMatchObject({ status: 404, reason: expect.stringMatching(/not in the playlist nor hinted/) });
    expect(await p.partFor(7)).toMatchObject({ status: 503 });
    feed(p, 35, 25 * 20);
    expect(await p.partFor(0)).toMatchObject({ status: 404, reason: expect.stringMatching(/not in the live window/) });
  });

  it('lets a client that goes away stop waiting', async () => {
    const p = packager();
    feed(p, 0, 30);
    const gone = new AbortController();
    const pending = p.playlistFor({ msn: 2 }, gone.signal);
    gone.abort();
    expect(await pending).toMatchObject({ status: 503 });
  });
});
