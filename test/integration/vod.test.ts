/**
 * Recorded playback end to end: the DVR simulator as a separate process (killed and restarted
 * for an outage), the edge and api roles with real ffmpeg and PGlite, then the VOD playlist,
 * its segments, the timeline, MP4 export and hls.js playing the VOD in headless Chromium.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { PTS_WRAP, TICKS_PER_SECOND } from '../../src/media/vod/ts-timestamps.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { createUser, mediaToken, signInOverHttp, signInPage, type AuthHeaders, type Credentials } from '../fixtures/api-auth.ts';
import { hasChromium, isFrameBlank, launchBrowser, playWithHlsJs, videoState, type Browser } from '../fixtures/browser.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest-main.h264'));
if (!hasFfmpeg) console.warn('skipping VOD tests: ffmpeg/ffprobe not found');
if (hasFfmpeg && !hasSample) console.warn('skipping VOD tests: sample clip .cache/samples/vtest-main.h264 not found (run npm run fetch-sample)');
if (hasFfmpeg && hasSample && !hasChromium()) console.warn('skipping VOD playback in Chromium: chromium not found');

const log = createLogger('silent');


function ffprobe(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', ...args], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

interface Timeline { coverage: Array<{ start: string; end: string }>; gaps: Array<{ start: string; end: string; cause: string }>; segments: number; bytes: number }

describe.skipIf(!hasFfmpeg || !hasSample)('recorded playback (VOD), timeline and export', () => {
  let dir = '';
  let dvr: DvrSimProcess;
  let running: Running;
  let api = '';
  let outage: { start: number; end: number };
  const t0 = new Date();
  const range = () => `from=${encodeURIComponent(new Date(t0.getTime() - 60_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`;
  /** an operator (exports need it); the browser signs in with the same account */
  let credentials: Credentials;
  let operator: AuthHeaders;
  /** signed URLs: ffprobe sends no headers */
  let token = '';
  const get = (p: string) => fetch(`${api}${p}`, { headers: operator });
  const json = async <T>(p: string): Promise<T> => (await (await get(p)).json()) as T;
  const segmentCount = async () => (await json<Timeline>(`/api/v1/cameras/cam_v/recordings?${range()}`)).segments;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-vod-'));
    dvr = await spawnDvrSim({ channels: 1 });
    const loaded = resolveConfig({
      sites: [{
        id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: dvr.port }],
        // cam_w points at a channel the DVR does not have: it never records
        cameras: [{ id: 'cam_v', dvr: 'sim', channel: 1 }, { id: 'cam_w', dvr: 'sim', channel: 7 }],
      }],
      storage: { data_dir: dir },
      recording: { segment_seconds: 4 },
      stream: { stall_seconds: 3, rtsp_timeout_seconds: 2, backoff_initial_ms: 300, backoff_max_ms: 1000, probe_interval_ms: 300 },
      api: { port: 0 },
    }, 'vod-test');
    running = await startRoles(loaded, ['edge', 'api'], log);
    api = running.apiUrl!;
    credentials = await createUser(running.ctx.repos, 'operator');
    operator = { authorization: (await signInOverHttp(api, credentials)).authorization };
    token = await mediaToken(api, operator, 'cam_v');
    await until('4 recorded segments', 30_000, async () => ((await segmentCount()) >= 4 ? true : undefined));
    // the outage: the DVR dies, stays away ~4 s, comes back on the same port
    const port = dvr.port;
    dvr.signal('SIGKILL');
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    dvr = await spawnDvrSim({ channels: 1, port });
    outage = { start, end: Date.now() };
    const before = await segmentCount();
    await until('4 segments after the outage', 40_000, async () => ((await segmentCount()) >= before + 4 ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await dvr?.stop();
    if (dir) {
      expect(spawnSync('pgrep', ['-f', dir]).stdout.toString().trim()).toBe('');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists coverage and the outage with its cause', async () => {
    const tl = await json<Timeline>(`/api/v1/cameras/cam_v/recordings?${range()}`);
    expect(tl.coverage.length).toBeGreaterThanOrEqual(2);
    const gap = tl.gaps.find((g) => Date.parse(g.end) > outage.start && Date.parse(g.start) < outage.end);
    expect(gap?.cause).toMatch(/^camera cam_v: /);
    expect(tl.bytes).toBeGreaterThan(0);
    // the outage lies between two coverage spans
    expect(tl.coverage.some((c) => Date.parse(c.end) <= outage.end && Date.parse(c.end) >= outage.start - 5000)).toBe(true);
  });

  it('builds a VOD playlist with a discontinuity and PROGRAM-DATE-TIME at the outage', async () => {
    const r = await get(`/vod/cam_v.m3u8?${range()}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const lines = (await r.text()).trim().split('\n');
    expect(lines).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
    const target = Number(lines.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'))!.split(':')[1]);
    const extinf = lines.filter((l) => l.startsWith('#EXTINF:')).map((l) => parseFloat(l.slice(8)));
    expect(target).toBe(Math.ceil(Math.max(...extinf)));
    const breaks = lines.flatMap((l, i) => (l === '#EXT-X-DISCONTINUITY' ? [i] : []));
    expect(breaks.length).toBeGreaterThanOrEqual(1);
    const dates = lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')).map((l) => Date.parse(l.slice(25)));
    expect(dates.length).toBe(breaks.length + 1);
    // the discontinuity after the outage restates the wall clock at the resumed recording
    expect(dates.some((d) => d >= outage.start && d <= outage.end + 5000)).toBe(true);
    for (const b of breaks) expect(lines[b + 1]).toMatch(/^#EXT-X-PROGRAM-DATE-TIME:/);
    expect(lines.filter((l) => l.startsWith('/vod/')).every((u) => /^\/vod\/cam_v\/seg\/\d+\.ts$/.test(u))).toBe(true);
  });

  it('serves segments with wall-clock timestamps, continuous within a recording run', async () => {
    const lines = (await (await get(`/vod/cam_v.m3u8?${range()}`)).text()).trim().split('\n');
    const uris = lines.filter((l) => l.startsWith('/vod/'));
    // two consecutive segments with no discontinuity between them
    const i = lines.findIndex((l, k) => l.startsWith('/vod/') && lines[k + 1]?.startsWith('#EXTINF') && lines[k + 2]?.startsWith('/vod/'));
    expect(i).toBeGreaterThan(0);
    const [a, b] = [lines[i]!, lines[i + 2]!];
    const probe = async (u: string) => {
      const out = JSON.parse(await ffprobe(['-show_entries', 'packet=pts_time:stream=codec_name,width,height', '-select_streams', 'v:0', '-of', 'json', `${api}${u}${u.includes('?') ? '&' : '?'}token=${token}`])) as { packets: Array<{ pts_time: string }>; streams: Array<{ codec_name: string; width: number; height: number }> };
      const pts = out.packets.map((p) => Number(p.pts_time));
      return { start: pts[0]!, end: pts.at(-1)! + 0.04, stream: out.streams[0] };
    };
    const [pa, pb] = [await probe(a), await probe(b)];
    expect(pa.stream).toEqual({ codec_name: 'h264', width: 960, height: 1080 });
    expect(Math.abs(pb.start - pa.end)).toBeLessThan(0.1);
    // timestamps are the wall clock (mod 2^33 ticks): within a minute of now
    const nowTicks = (Date.now() * (TICKS_PER_SECOND / 1000)) % PTS_WRAP;
    expect(Math.abs(nowTicks / TICKS_PER_SECOND - pb.start)).toBeLessThan(60);
    expect(uris.length).toBeGreaterThanOrEqual(5);
  });

  it('exports an MP4 of the range, by copy, with a sensible file name', async () => {
    const tl = await json<Timeline>(`/api/v1/cameras/cam_v/recordings?${range()}`);
    const span = tl.coverage.at(-1)!;
    const from = new Date(Date.parse(span.start) + 1500);
    const to = new Date(from.getTime() + 6000);
    expect(to.getTime()).toBeLessThan(Date.parse(span.end));
    const r = await get(`/api/v1/cameras/cam_v/export.mp4?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(r.status).toBe(200);
    const stamp = (t: Date) => t.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="cam_v_${stamp(from)}_${stamp(to)}.mp4"`);
    const file = path.join(dir, 'export.mp4');
    await writeFile(file, Buffer.from(await r.arrayBuffer()));
    const duration = Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]));
    expect(Math.abs(duration - 6)).toBeLessThanOrEqual(1);
    expect(await ffprobe(['-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file])).toBe('h264');
    await unlink(file);
  });

  it('limits concurrent exports, and a client that goes away leaves no ffmpeg and no temp file', async () => {
    const tl = await json<Timeline>(`/api/v1/cameras/cam_v/recordings?${range()}`);
    const q = `from=${tl.coverage[0]!.start}&to=${tl.coverage.at(-1)!.end}`;
    const statuses = await Promise.all(Array.from({ length: 4 }, async () => {
      const r = await get(`/api/v1/cameras/cam_v/export.mp4?${q}`);
      const body = await r.text();
      if (r.status === 429) expect(JSON.parse(body).message).toMatch(/exports are running \(limit 2\)/);
      return r.status;
    }));
    expect(statuses).toContain(429);
    expect(statuses).toContain(200);

    // gone at once (while ffmpeg cuts), and gone after the first bytes (while the file streams)
    const early = new AbortController();
    const p1 = fetch(`${api}/api/v1/cameras/cam_v/export.mp4?${q}`, { signal: early.signal, headers: operator }).catch(() => null);
    setTimeout(() => early.abort(), 20);
    await p1;
    const late = new AbortController();
    const r = await fetch(`${api}/api/v1/cameras/cam_v/export.mp4?${q}`, { signal: late.signal, headers: operator });
    await r.body!.getReader().read();
    late.abort();
    const tmp = path.join(dir, 'tmp');
    await until('temp files removed', 10_000, async () => ((await readdir(tmp)).some((n) => n.startsWith('export-')) ? undefined : true));
    expect(spawnSync('pgrep', ['-f', tmp]).stdout.toString().trim()).toBe('');
    // HEAD would cut a whole export to send no body: refused, nothing cut
    const head = await fetch(`${api}/api/v1/cameras/cam_v/export.mp4?${q}`, { method: 'HEAD', headers: operator });
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'GET']);
    expect((await readdir(tmp)).filter((n) => n.startsWith('export-'))).toEqual([]);
    // and the slots are free again
    expect((await get(`/api/v1/cameras/cam_v/export.mp4?${q}`)).status).toBe(200);
  });

  describe.skipIf(!hasChromium())('in Chromium', () => {
    let browser: Browser;
    afterAll(async () => browser?.close());

    it('hls.js plays the VOD: time advances, the picture is not blank, the wall clock is known', async () => {
      browser = await launchBrowser({ bypassCSP: true });
      const page = await browser.page();
      // the session cookie authenticates hls.js's playlist and segment requests
      await signInPage(page, api, credentials);
      await playWithHlsJs(page, `${api}/vod/cam_v.m3u8?${range()}`);
      await until('playback past 3 s', 30_000, async () => ((await videoState(page)).currentTime > 3 ? true : undefined));
      const state = await videoState(page);
      expect([state.videoWidth, state.videoHeight]).toEqual([960, 1080]);
      const playing = await page.evaluate(() => (window as unknown as { hls: { playingDate: Date | null } }).hls.playingDate?.toISOString() ?? null);
      expect(Date.parse(playing!)).toBeGreaterThan(t0.getTime() - 5000);
      expect(Date.parse(playing!)).toBeLessThan(Date.now());
      const png = await page.locator('video').screenshot();
      expect(await isFrameBlank(png)).toBe(false);

      // seeking by wall clock: to the first fragment after the outage (behind the discontinuity)
      const target = await page.evaluate((after) => {
        const hls = (window as unknown as { hls: { levels: Array<{ details?: { fragments: Array<{ start: number; programDateTime: number | null }> } }> } }).hls;
        const frag = hls.levels[0]!.details!.fragments.find((f) => (f.programDateTime ?? 0) >= after)!;
        document.querySelector('video')!.currentTime = frag.start + 0.2;
        return frag.start;
      }, outage.start);
      await until('playback after the outage', 20_000, async () => ((await videoState(page)).currentTime > target + 1.5 ? true : undefined));
      const later = await page.evaluate(() => (window as unknown as { hls: { playingDate: Date | null } }).hls.playingDate!.getTime());
      expect(later).toBeGreaterThanOrEqual(outage.start);
      expect(await isFrameBlank(await page.locator('video').screenshot())).toBe(false);
    });
  });

  it('rejects bad input with the reason, and never serves a file outside the recordings', async () => {
    const now = Date.now();
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const cases: Array<[string, number, RegExp]> = [
      [`/vod/cam_v.m3u8?from=${at(now)}&to=${at(now - 1000)}`, 400, /'from'.*must be before 'to'/],
      [`/vod/cam_v.m3u8?from=${at(now - 25 * 3600_000)}&to=${at(now)}`, 400, /limited to 24 h/],
      [`/vod/cam_v.m3u8?from=yesterday&to=${at(now)}`, 400, /query parameter 'from'/],
      [`/vod/cam_v.m3u8?from=${at(now - 1000)}`, 400, /query parameter 'to'/],
      [`/vod/cam_v.m3u8?from=${at(now - 1000)}&to=${at(now)}&path=x`, 400, /unknown query parameter 'path'/],
      [`/vod/cam_v.m3u8?from=${at(now - 3 * 3600_000)}&to=${at(now - 2 * 3600_000)}`, 404, /^no recordings for cam_v between \S+ and \S+$/],
      [`/vod/cam_nope.m3u8?from=${at(now - 1000)}&to=${at(now)}`, 404, /no camera with id 'cam_nope'/],
      [`/api/v1/cameras/cam_v/recordings?from=${at(now)}&to=${at(now - 1)}`, 400, /'from'/],
      [`/api/v1/cameras/cam_v/export.mp4?from=${at(now - 3 * 3600_000)}&to=${at(now)}`, 400, /export ranges are limited to 2 h/],
      [`/api/v1/cameras/cam_w/export.mp4?from=${at(now - 60_000)}&to=${at(now)}`, 404, /no recordings for cam_w/],
      [`/vod/..%2F..%2Fetc%2Fpasswd.m3u8?from=${at(now - 1000)}&to=${at(now)}`, 404, /no camera/],
      ['/vod/cam_v/seg/..%2F..%2F..%2Fetc%2Fpasswd.ts', 400, /segmentId/],
      ['/vod/cam_v/seg/1%2F..%2F2.ts', 400, /segmentId/],
      ['/vod/cam_v/seg/999999.ts', 404, /no recorded segment 999999 for cam_v/],
    ];
    for (const [url, status, message] of cases) {
      const r = await get(url);
      const body = await r.text();
      expect([url, r.status]).toEqual([url, status]);
      expect(JSON.parse(body).message).toMatch(message);
      expect(body).not.toContain('root:');
    }
    // a segment of cam_v asked for under cam_w, and one whose file is gone
    const lines = (await (await get(`/vod/cam_v.m3u8?${range()}`)).text()).split('\n').filter((l) => l.startsWith('/vod/'));
    const id = /seg\/(\d+)\.ts$/.exec(lines[0]!)![1];
    expect((await get(`/vod/cam_w/seg/${id}.ts`)).status).toBe(404);
    const files = (await readdir(path.join(dir, 'recordings', 'cam_v'), { recursive: true })).filter((f) => f.endsWith('.ts')).sort();
    await unlink(path.join(dir, 'recordings', 'cam_v', files[0]!));
    const gone = await get(lines[0]!);
    expect([gone.status, (await gone.json()).message]).toEqual([404, expect.stringMatching(/no longer on disk/)]);
  });

});
