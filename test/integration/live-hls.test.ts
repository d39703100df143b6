/**
 * Live HLS end to end: DVR simulator (real RTSP) → edge role (real ffmpeg: recording + HLS + RTP,
 * and a live-only ffmpeg on the sub stream) → API role → hls.js in headless Chromium.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { createUser, mediaToken, signInOverHttp, signInPage, type AuthHeaders, type Credentials } from '../fixtures/api-auth.ts';
import { hasChromium, isFrameBlank, launchBrowser, videoState, type Browser } from '../fixtures/browser.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping live HLS test: ffmpeg not found');
if (hasFfmpeg && !hasChromium()) console.warn('skipping live HLS browser test: chromium not found at /usr/bin/chromium');

const PASSWORD = 'Live-Secret-3';
const VIEWERS = 20;
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Segment URIs of a media playlist, in order. */
const segmentsOf = (playlist: string): string[] => playlist.split('\n').filter((l) => l && !l.startsWith('#'));

/** Asynchronous: the API serving `url` runs in this process. */
async function ffprobe(url: string): Promise<{ codec_name: string; width: number; height: number }> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url], { timeout: 15_000 });
  return (JSON.parse(stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> }).streams[0]!;
}

describe.skipIf(!hasFfmpeg)('live HLS', () => {
  let dir: string;
  let sim: DvrSim;
  let running: Running;
  let api: string;
  let playlist: string;
  let credentials: Credentials;
  let viewerHeaders: AuthHeaders;
  /** signed URLs: ffprobe sends no headers */
  let token: string;
  const get = (p: string) => fetch(`${api}${p}`, { headers: viewerHeaders });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-live-'));
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 1, password: PASSWORD, main: sample.main, sub: sample.sub, log });
    const loaded = resolveConfig({
      sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: 'cam_a', dvr: 'sim', channel: 1, substream: true }] }],
      storage: { data_dir: dir },
      detection: { enabled: false },
      stream: { stall_seconds: 10 },
      api: { port: 0 },
    }, 'live-test', { VIGIL_DVR_SIM_PASSWORD: PASSWORD });
    running = await startRoles(loaded, ['edge', 'api'], log);
    api = running.apiUrl!;
    credentials = await createUser(running.ctx.repos, 'viewer');
    viewerHeaders = { authorization: (await signInOverHttp(api, credentials)).authorization };
    token = await mediaToken(api, viewerHeaders, 'cam_a');
    playlist = await until('a live playlist with 3 segments', 30_000, async () => {
      const r = await get('/live/cam_a/index.m3u8');
      const text = await r.text();
      return r.ok && segmentsOf(text).length >= 3 ? text : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves plain HLS for players without low-latency HLS: the in-memory segments listed without parts', async () => {
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(playlist)?.[1]);
    expect(target).toBeGreaterThanOrEqual(1);
    expect(target).toBeLessThanOrEqual(2);
    expect(playlist).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    expect(playlist).not.toContain('#EXT-X-PART');
    expect(playlist).toMatch(/#EXT-X-MAP:URI="ll\/init\d+\.mp4"/);
    const segments = segmentsOf(playlist);
    for (const s of segments) expect(s).toMatch(/^ll\/seg\d+\.m4s$/);
    // a segment decodes after its init segment
    const init = Buffer.from(await (await get(`/live/cam_a/${/#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]}`)).arrayBuffer());
    const media = Buffer.from(await (await get(`/live/cam_a/${segments.at(-1)}`)).arrayBuffer());
    const file = path.join(dir, 'segment.mp4');
    await writeFile(file, Buffer.concat([init, media]));
    expect(await ffprobe(file)).toEqual({ codec_name: 'h264', width: 960, height: 1080 });

    const sub = await until('the sub-stream playlist', 20_000, async () => {
      const text = await (await get('/live/cam_a/sub/index.m3u8')).text();
      return segmentsOf(text).length >= 1 ? segmentsOf(text) : undefined;
    });
    expect(await ffprobe(`${api}/live/cam_a/sub/${sub.at(-1)}?token=${token}`)).toEqual({ codec_name: 'h264', width: 480, height: 270 });

    expect(await (await get('/api/v1/cameras/cam_a/live')).json()).toEqual({
      hls: '/live/cam_a/index.m3u8', hls_ll: '/live/cam_a/ll/index.m3u8', hls_sub: '/live/cam_a/sub/index.m3u8', webrtc: { whep: '/api/v1/cameras/cam_a/whep' }, player: '/player/cam_a',
    });
  });

  it('serves low-latency HLS from the feed: 200 ms parts, blocking reload, a preload hint', async () => {
    const ll = await until('an LL-HLS playlist with parts', 20_000, async () => {
      const r = await get('/live/cam_a/ll/index.m3u8');
      const text = await r.text();
      return r.ok && (text.match(/#EXT-X-PART:/g) ?? []).length >= 5 ? text : undefined;
    });
    expect(ll).toMatch(/#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.5/);
    expect(ll).toMatch(/#EXT-X-PART-INF:PART-TARGET=0\.2/);
    expect(ll).toMatch(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part\d+\.m4s"/);
    // a blocking reload for the next segment answers once it exists, with that segment listed
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(ll)![1]) + (ll.match(/#EXTINF:/g) ?? []).length;
    const next = await get(`/live/cam_a/ll/index.m3u8?_HLS_msn=${msn}&_HLS_part=0`);
    expect(next.status).toBe(200);
    expect(await next.text()).toMatch(new RegExp(`#EXT-X-PART:.*URI="part\\d+\\.m4s"`));
  });

  it('publishes the camera feed for WebRTC: its packets and the codec the RTSP session announced', async () => {
    const feed = running.ctx.liveFeeds.get('cam_a')!.rtp!;
    const codec = await until('the codec', 10_000, async () => feed.codec);
    expect(codec.payloadType).toBe(96);
    expect(codec.profileLevelId).toMatch(/^[0-9A-F]{6}$/);
    const packets: Buffer[] = [];
    const off = feed.onPacket((p) => packets.push(Buffer.from(p)));
    await until('packets', 10_000, async () => (packets.length >= 10 ? true : undefined));
    off();
    expect(packets.every((p) => p[0]! >> 6 === 2 && (p[1]! & 0x7f) === 96)).toBe(true);
  });

  it('never serves a file outside the live dir, and 404s unknown cameras', async () => {
    for (const p of ['/live/cam_a/..%2F..%2Fetc%2Fpasswd', '/live/cam_a/x.ts', '/live/cam_a/..%2Fcam_a.sdp', '/live/cam_a/index.m3u8.tmp', '/live/cam_a/sub/..%2Findex.m3u8']) {
      const r = await get(p);
      expect([400, 404], p).toContain(r.status);
      expect(await r.text(), p).not.toContain('root:');
    }
    expect((await get('/live/nope/index.m3u8')).status).toBe(404);
    expect((await get('/api/v1/cameras/nope/live')).status).toBe(404);
  });

  it(`gives ${VIEWERS} concurrent viewers one upstream RTSP session per stream`, async () => {
    // main + sub stream of cam_a
    expect(sim.stats()).toMatchObject({ connections: 2, playing: 2 });
    const seen: Array<{ connections: number; playing: number }> = [];
    const viewer = async () => {
      let bytes = 0;
      for (let round = 0; round < 3; round++) {
        const pl = await get('/live/cam_a/index.m3u8');
        expect(pl.status).toBe(200);
        const segs = segmentsOf(await pl.text());
        const seg = await get(`/live/cam_a/${segs.at(-1)}`);
        // a segment may have left the window between the two requests
        if (seg.ok) bytes += (await seg.arrayBuffer()).byteLength;
        seen.push(sim.stats());
        await sleep(300);
      }
      return bytes;
    };
    const bytes = await Promise.all(Array.from({ length: VIEWERS }, viewer));
    expect(bytes.filter((b) => b > 0)).toHaveLength(VIEWERS);
    expect(seen.length).toBe(VIEWERS * 3);
    expect(seen.every((s) => s.connections === 2 && s.playing === 2)).toBe(true);
  });

  describe.skipIf(!hasChromium())('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
      const page = await browser.page();
      await signInPage(page, api, credentials);
      await page.close();
    }, 30_000);
    afterAll(async () => browser?.close());

    it.each(['hls', 'll-hls'])('plays the live stream with hls.js (%s): time advances and the picture is not blank', async (transport) => {
      const page = await browser.page();
      await page.goto(`${api}/player/cam_a?transport=${transport}`);
      await page.waitForSelector('body[data-state="playing"][data-transport="hls"]', { timeout: 20_000 });
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).readyState >= 3, undefined, { timeout: 20_000 });
      const t0 = await videoState(page);
      await sleep(3000);
      const t1 = await videoState(page);
      expect([t1.videoWidth, t1.videoHeight]).toEqual([960, 1080]);
      expect(t1.currentTime - t0.currentTime).toBeGreaterThan(1.5);
      const png = await page.locator('video').screenshot();
      await writeFile(path.join(dir, `live-${transport}.png`), png);
      // low-latency: hls.js fetched 200 ms parts of the in-memory playlist, not the 1 s segments
      const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      expect(fetched.some((p) => /\/live\/cam_a\/ll\/part\d+\.m4s$/.test(p))).toBe(transport === 'll-hls');
      expect(await isFrameBlank(png)).toBe(false);
      const black = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#000' } }).png().toBuffer();
      expect(await isFrameBlank(black)).toBe(true);
      await page.close();
    }, 60_000);

    it('plays by default too: WebRTC first, HLS when WebRTC is not available', async () => {
      const page = await browser.page();
      await page.goto(`${api}/player/cam_a`);
      await page.waitForSelector('body[data-state="playing"]', { timeout: 25_000 });
      const transport = await page.$eval('body', (b) => b.dataset.transport);
      expect(['webrtc', 'hls']).toContain(transport);
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 1, undefined, { timeout: 20_000 });
      await page.close();
    }, 60_000);
  });
});
