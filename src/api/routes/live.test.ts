import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCamera } from '../../config/load.ts';
import { Health } from '../../core/health.ts';
import { createLogger } from '../../core/log.ts';
import { LiveFeeds } from '../../media/live/feeds.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { buildApi } from '../server.ts';
import { injectAs, TestAuth } from '../../../test/fixtures/api-auth.ts';
import { LiveCameras } from '../../config/live-cameras.ts';
import { LlHlsPackager } from '../../media/llhls/packager.ts';
import { feed } from '../../media/llhls/test-frames.ts';
import { readFragment } from '../../media/fmp4/test-boxes.ts';

const cam = (id: string): ResolvedCamera => ({ id, name: id, siteId: 's', stream: 0, url: 'rtsp://127.0.0.1/x', retentionDays: 7, detect: true });
const SEGMENT = '000042_1796086248.ts';
const BIG = '000042_1796086249.ts';
const fds = () => readdirSync('/proc/self/fd').length;

let dir: string;
const feeds = new LiveFeeds();
// short blocking timeouts: the 503 of a request that waited too long is tested without waiting 6 s
const packagers = new Map([['cam_a', new LlHlsPackager({ cameraId: 'cam_a', log: createLogger('silent'), blockTimeoutMs: 300 })]]);
const auth = await TestAuth.open();
const app = buildApi({
  auth: auth.stack, cameras: new LiveCameras([cam('cam_a'), cam('cam_idle')]), liveFeeds: feeds, llHls: (id) => packagers.get(id), repos: {} as Repositories, objects: {} as Objects, store: {} as Store,
  health: new Health(), version: 'test', startedAt: new Date(), log: createLogger('silent'), status: () => undefined,
});
const viewer = await auth.headers(app, 'viewer');
const api = injectAs(app, viewer);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-live-routes-'));
  const hlsDir = path.join(dir, 'cam_a');
  await mkdir(path.join(hlsDir, 'sub'), { recursive: true });
  await writeFile(path.join(hlsDir, 'index.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n${SEGMENT}\n`);
  await writeFile(path.join(hlsDir, SEGMENT), Buffer.alloc(188 * 10, 0x47));
  await writeFile(path.join(hlsDir, BIG), Buffer.alloc(32 * 1024 * 1024, 0x47));
  await writeFile(path.join(hlsDir, 'sub', 'index.m3u8'), '#EXTM3U\n');
  await writeFile(path.join(dir, 'secret.ts'), 'outside');
  const noSnapshot = () => Promise.reject(new Error('no keyframe yet'));
  feeds.set({ cameraId: 'cam_a', hlsDir, subHlsDir: path.join(hlsDir, 'sub'), llHls: null, rtp: { onPacket: () => () => {}, codec: undefined }, snapshot: noSnapshot });
  feeds.set({ cameraId: 'cam_idle', hlsDir: path.join(dir, 'cam_idle'), subHlsDir: null, llHls: null, rtp: null, snapshot: noSnapshot });
});
afterAll(async () => {
  await app.close();
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});

describe('live HLS routes', () => {
  it('serves the playlist uncached and segments as MPEG-TS', async () => {
    const pl = await api.inject('/live/cam_a/index.m3u8');
    expect(pl.statusCode).toBe(200);
    expect(pl.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(pl.headers['cache-control']).toBe('no-cache');
    expect(pl.body).toContain(SEGMENT);
    const seg = await api.inject(`/live/cam_a/${SEGMENT}`);
    expect(seg.statusCode).toBe(200);
    expect(seg.headers['content-type']).toBe('video/mp2t');
    expect(seg.headers['content-length']).toBe('1880');
    expect(seg.rawPayload.length).toBe(1880);
    expect((await api.inject('/live/cam_a/sub/index.m3u8')).statusCode).toBe(200);
  });

  it('does not follow symlinks placed in the live dir', async () => {
    await symlink(path.join(dir, 'secret.ts'), path.join(dir, 'cam_a', '000001_1.ts'));
    const r = await api.inject('/live/cam_a/000001_1.ts');
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain('outside');
    await mkdir(path.join(dir, 'cam_idle'));
    await symlink(path.join(dir, 'secret.ts'), path.join(dir, 'cam_idle', 'index.m3u8'));
    const playlist = await api.inject('/live/cam_idle/index.m3u8');
    expect(playlist.statusCode).toBe(404);
    expect(playlist.body).not.toContain('outside');
    await rm(path.join(dir, 'cam_idle'), { recursive: true });
  });

  it('refuses names ffmpeg does not write with 400, naming the cause', async () => {
    for (const url of ['/live/cam_a/..%2F..%2Fetc%2Fpasswd', '/live/cam_a/..%2Fsecret.ts', '/live/cam_a/x.ts', '/live/cam_a/index.m3u8.tmp', '/live/cam_a/sub/..%2Findex.m3u8']) {
      const r = await api.inject(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message, url).toMatch(/not a live HLS file name/);
    }
    for (const url of ['/live/cam_a/../secret.ts', '/live/cam_a/%2e%2e', '/live/cam_a/%2e%2e/secret.ts']) expect((await api.inject(url)).statusCode, url).toBeGreaterThanOrEqual(400);
    expect((await api.inject('/live/cam_a/index.m3u8?x=1')).statusCode).toBe(400);
  });

  it('answers 404 with the reason for unknown cameras, idle cameras, missing segments and absent sub streams', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/live/nope/index.m3u8', /no camera with id 'nope'/],
      ['/live/..%2Fcam_a/index.m3u8', /no camera with id/],
      ['/live/cam_idle/index.m3u8', /not streaming live right now/],
      ['/live/cam_a/000042_1.ts', /not in the live window/],
      ['/live/cam_idle/sub/index.m3u8', /no sub stream configured/],
    ];
    for (const [url, reason] of cases) {
      const r = await api.inject(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json().message, url).toMatch(reason);
    }
  });

  it('lists the live URLs of a camera', async () => {
    expect((await api.inject('/api/v1/cameras/cam_a/live')).json()).toEqual({
      hls: '/live/cam_a/index.m3u8', hls_ll: '/live/cam_a/ll/index.m3u8', hls_sub: '/live/cam_a/sub/index.m3u8', webrtc: { whep: '/api/v1/cameras/cam_a/whep' }, player: '/player/cam_a',
    });
    expect((await api.inject('/api/v1/cameras/cam_idle/live')).json()).toEqual({ hls: '/live/cam_idle/index.m3u8', hls_ll: null, hls_sub: null, webrtc: null, player: '/player/cam_idle' });
    expect((await api.inject('/api/v1/cameras/nope/live')).statusCode).toBe(404);
  });

  it('releases the file when a client disconnects mid-download', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const before = fds();
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpGet(`${address}/live/cam_a/${BIG}`, { headers: viewer }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
    expect(received).toBeLessThan(32 * 1024 * 1024);
    const deadline = Date.now() + 5000;
    while (fds() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // the segment's file handle (and the socket) are closed: nothing keeps streaming to nobody
    expect(fds()).toBeLessThanOrEqual(before);
  });
});

describe('LL-HLS routes', () => {
  const ll = packagers.get('cam_a')!;

  it('answers a playlist request once the first segment exists, and then 503 when nothing new comes in time', async () => {
    const first = api.inject('/live/cam_a/ll/index.m3u8');
    feed(ll, 0, 26);
    const pl = await first;
    expect(pl.statusCode).toBe(200);
    expect(pl.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(pl.headers['cache-control']).toBe('no-cache');
    expect(pl.body).toContain('#EXT-X-MAP:URI="init0.mp4"');
    expect(pl.body).toContain('seg0.m4s');
    const timedOut = await api.inject('/live/cam_a/ll/index.m3u8?_HLS_msn=1&_HLS_part=0');
    expect(timedOut.statusCode).toBe(503);
    expect(timedOut.json().message).toMatch(/^LL-HLS of camera 'cam_a': no part 1.0 yet after 0.3 s/);
  });

  it('holds a blocking reload and the hinted part until they exist', async () => {
    const playlist = api.inject('/live/cam_a/ll/index.m3u8?_HLS_msn=1&_HLS_part=0&_HLS_skip=YES');
    const part = api.inject('/live/cam_a/ll/part5.m4s');
    // the requests are in by now (or not, on a loaded machine: the answers are the same either way)
    await new Promise((r) => setTimeout(r, 50));
    feed(ll, 26, 30);
    const [pl, p5] = await Promise.all([playlist, part]);
    expect(pl.statusCode).toBe(200);
    expect(pl.body).toContain('#EXT-X-PART:DURATION=0.20000,URI="part5.m4s",INDEPENDENT=YES');
    expect(pl.body).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part6.m4s"');
    expect(p5.statusCode).toBe(200);
    expect(p5.headers['content-type']).toBe('video/mp4');
    expect(readFragment(p5.rawPayload)).toMatchObject({ sequence: 6, baseDecodeTime: 5 * 18_000 });
  });

  it('serves the init segment and whole segments as fMP4', async () => {
    const init = await api.inject('/live/cam_a/ll/init0.mp4');
    expect(init.statusCode).toBe(200);
    expect(init.rawPayload.subarray(4, 8).toString()).toBe('ftyp');
    expect((await api.inject('/live/cam_a/ll/init.mp4')).rawPayload).toEqual(init.rawPayload);
    const seg = await api.inject('/live/cam_a/ll/seg0.m4s');
    expect(seg.statusCode).toBe(200);
    expect(seg.headers['content-length']).toBe(String(ll.segment(0)!.reduce((n, b) => n + b.length, 0)));
    expect(seg.rawPayload).toEqual(Buffer.concat(ll.segment(0)!));
  });

  it('refuses bad names and directives with 400, and answers 404 with the reason for what is not there', async () => {
    const bad: Array<[string, RegExp]> = [
      ['/live/cam_a/ll/seg-1.m4s', /not an LL-HLS file name/],
      ['/live/cam_a/ll/..%2Findex.m3u8', /not an LL-HLS file name/],
      ['/live/cam_a/ll/part1.m4s?x=1', /unknown query parameter 'x'/],
      ['/live/cam_a/ll/index.m3u8?_HLS_msn=abc', /_HLS_msn.*decimal integer/],
      ['/live/cam_a/ll/index.m3u8?_HLS_msn=-1', /_HLS_msn.*decimal integer/],
      ['/live/cam_a/ll/index.m3u8?_HLS_skip=NO', /_HLS_skip/],
      ['/live/cam_a/ll/index.m3u8?_HLS_part=1', /_HLS_part needs _HLS_msn/],
      ['/live/cam_a/ll/index.m3u8?_HLS_msn=99', /more than two segments past the newest/],
      ['/live/cam_a/ll/index.m3u8?_HLS_msn=1&_HLS_part=40', /more than 15 parts past the newest/],
      ['/live/cam_a/ll/index.m3u8?_HLS_msn=999999999999999999999', /_HLS_msn/],
    ];
    for (const [url, reason] of bad) {
      const r = await api.inject(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message, url).toMatch(reason);
    }
    const missing: Array<[string, RegExp]> = [
      ['/live/cam_idle/ll/index.m3u8', /camera 'cam_idle' has no LL-HLS feed/],
      ['/live/cam_idle/ll/init.mp4', /camera 'cam_idle' has no LL-HLS feed/],
      ['/live/nope/ll/index.m3u8', /no camera with id 'nope'/],
      ['/live/cam_a/ll/seg1.m4s', /'seg1.m4s' is not in the live window/],
      ['/live/cam_a/ll/init7.mp4', /'init7.mp4' is not in the live window/],
      ['/live/cam_a/ll/part99.m4s', /part 99 is not in the playlist nor hinted yet/],
    ];
    for (const [url, reason] of missing) {
      const r = await api.inject(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json().message, url).toMatch(reason);
    }
    expect((await injectAs(app, { authorization: 'Bearer nope' }).inject('/live/cam_a/ll/index.m3u8')).statusCode).toBe(401);
  });
});

describe('player page', () => {
  it('serves the page with a same-origin Content-Security-Policy', async () => {
    const r = await api.inject('/player/cam_a');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe|\*|https?:/);
    expect(r.body).toContain('<video');
    expect(r.body).toContain('/assets/hls.min.js');
    expect((await api.inject('/player/cam_a?src=vod&from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z')).statusCode).toBe(200);
  });

  it('refuses unknown cameras and bad parameters', async () => {
    expect((await api.inject('/player/nope')).statusCode).toBe(404);
    expect((await api.inject('/player/cam_a?src=vod')).json().message).toMatch(/'from' and 'to' are required/);
    expect((await api.inject('/player/cam_a?src=http://evil.example/x.m3u8')).statusCode).toBe(400);
    expect((await api.inject('/player/cam_a?autoplay=1')).json().message).toMatch(/unknown query parameter 'autoplay'/);
  });

  it('serves hls.js and the player scripts, nothing else', async () => {
    const hls = await api.inject('/assets/hls.min.js');
    expect(hls.statusCode).toBe(200);
    expect(hls.headers['content-type']).toMatch(/^text\/javascript/);
    expect(hls.body.length).toBeGreaterThan(100_000);
    for (const name of ['player.js', 'webrtc.js', 'player.css']) expect((await api.inject(`/assets/${name}`)).statusCode, name).toBe(200);
    expect((await api.inject('/assets/serve.ts')).statusCode).toBe(400);
    expect((await api.inject('/assets/..%2F..%2Fpackage.json')).statusCode).toBe(400);
  });
});
