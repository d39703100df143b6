/**
 * Recording without ffmpeg, end to end: the sample clip's access units, paced as a camera sends
 * them, go through the TypeScript segment writer into the recordings dir and the segment index
 * (PGlite) of a running api role. ffprobe must find the files whole, and the recorded-playback
 * code written for ffmpeg's segments — VOD playlist and segments, MP4 export, catch-up frame
 * decoding, hls.js in Chromium — must serve them unchanged.
 */
import { execFile, spawnSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import type { CameraWorkerEvents, SegmentClosed } from '../../src/media/camera-worker.ts';
import type { TimedAccessUnit } from '../../src/media/feed/timed-access-unit.ts';
import { parseSegmentPath } from '../../src/media/ffmpeg-args.ts';
import { parseH264 } from '../../src/media/h264.ts';
import { recordedFrames } from '../../src/media/recorded-frames.ts';
import { TsSegmentWriter } from '../../src/media/recording/ts-segment-writer.ts';
import { SegmentIndexer } from '../../src/media/segment-index.ts';
import { TICKS_PER_SECOND } from '../../src/media/vod/ts-timestamps.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { createUser, mediaToken, signInOverHttp, signInPage, type AuthHeaders, type Credentials } from '../fixtures/api-auth.ts';
import { hasChromium, isFrameBlank, launchBrowser, playWithHlsJs, videoState, type Browser } from '../fixtures/browser.ts';
import { ffprobe } from '../fixtures/ffprobe.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest-main.h264'));
if (!hasFfmpeg) console.warn('skipping TS segment writer tests: ffmpeg/ffprobe not found');
if (hasFfmpeg && !hasSample) console.warn('skipping TS segment writer tests: sample clip .cache/samples/vtest-main.h264 not found (run npm run fetch-sample)');

const log = createLogger('silent');
const SEGMENT_SECONDS = 3;
/** 25 fps: 10.4 s, cut at 0, 3, 6, 9 s (the sample's GOP is 1 s) */
const FRAMES = 260;
const FRAME_TICKS = TICKS_PER_SECOND / 25;
/** an RTP clock starts anywhere */
const PTS0 = 4_000_000_000;

/** ffmpeg's messages at level error while decoding the whole file ('' when clean). */
function decodeErrors(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { timeout: 60_000 }, (err, _out, stderr) => (err ? reject(err) : resolve(stderr.trim())));
  });
}

describe.skipIf(!hasFfmpeg || !hasSample)('TS segment writer: recordings without ffmpeg', () => {
  let dir = '';
  let running: Running;
  let api = '';
  let credentials: Credentials;
  let operator: AuthHeaders;
  const closed: SegmentClosed[] = [];
  let fedFrom = 0;
  const recordingsDir = () => running.ctx.loaded.paths.recordingsDir;
  const get = (p: string) => fetch(`${api}${p}`, { headers: operator });
  const range = () => `from=${encodeURIComponent(new Date(fedFrom - 60_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-tsw-it-'));
    const loaded = resolveConfig({
      // the DVR is never contacted: only the api role runs, the test is the recorder
      sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: 9 }], cameras: [{ id: 'cam_t', dvr: 'sim', channel: 1 }] }],
      storage: { data_dir: dir },
      recording: { segment_seconds: SEGMENT_SECONDS },
      api: { port: 0 },
    }, 'ts-writer-test');
    running = await startRoles(loaded, ['api'], log);
    api = running.apiUrl!;
    credentials = await createUser(running.ctx.repos, 'operator');
    operator = { authorization: (await signInOverHttp(api, credentials)).authorization };

    const clip = parseH264(await readFile((await ensureSample(undefined, log, { download: false })).main));
    const writer = new TsSegmentWriter({ cameraId: 'cam_t', recordingsDir: recordingsDir(), segmentSeconds: SEGMENT_SECONDS, logger: log });
    const indexer = new SegmentIndexer(running.ctx.repos.segments, log);
    // the writer emits the worker's recording events (a subset, same payloads) under the same names
    indexer.attach(writer as unknown as EventEmitter<CameraWorkerEvents>);
    writer.on('segment', (s) => closed.push(s));
    // paced at 25 fps as a camera sends them: the wall clock of the segments is real. Each frame
    // carries its due time as its arrival: a late timer on this loaded machine is not the camera's clock drifting
    fedFrom = Date.now();
    for (let i = 0; i < FRAMES; i++) {
      const due = fedFrom + i * 40;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const frame = clip.frames[i % clip.frames.length]!;
      const au: TimedAccessUnit = { ...frame, pts90k: PTS0 + i * FRAME_TICKS, receivedAt: due, ...(frame.idr ? { parameterSets: { sps: clip.sps, pps: clip.pps } } : {}) };
      writer.push(au);
    }
    await writer.close();
    await indexer.flush();
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes segments named by their wall-clock start, cut at keyframes, contiguous', () => {
    expect(closed.map((s) => Math.round((s.endTime.getTime() - s.startTime.getTime()) / 40))).toEqual([75, 75, 75, 35]);
    for (let i = 1; i < closed.length; i++) expect(closed[i]!.startTime).toEqual(closed[i - 1]!.endTime);
    expect(Math.abs(closed[0]!.startTime.getTime() - fedFrom)).toBeLessThan(2000);
    for (const s of closed) {
      const named = parseSegmentPath(s.path);
      expect(named?.cameraId).toBe('cam_t');
      expect(named!.start.getTime()).toBe(Math.floor(s.startTime.getTime() / 1000) * 1000);
    }
  });

  it('ffprobe reads each segment without an error: H.264, keyframe first, the duration recorded', async () => {
    for (const s of closed) {
      const file = path.join(recordingsDir(), s.path);
      const probe = JSON.parse(await ffprobe([
        '-show_entries', 'format=duration,start_time:stream=codec_name,width,height:packet=pts,flags', '-select_streams', 'v:0', '-of', 'json', file,
      ])) as { format: { duration: string; start_time: string }; streams: Array<{ codec_name: string; width: number; height: number }>; packets: Array<{ pts: number; flags: string }> };
      expect(probe.streams[0]).toEqual({ codec_name: 'h264', width: 960, height: 1080 });
      expect(probe.packets[0]!.flags).toMatch(/^K/);
      expect(probe.packets.filter((p) => p.flags.startsWith('K')).length).toBe(Math.ceil(probe.packets.length / 25));
      const recorded = (s.endTime.getTime() - s.startTime.getTime()) / 1000;
      expect(Math.abs(Number(probe.format.duration) - recorded)).toBeLessThanOrEqual(0.04);
      // timestamps restart in each file, as ffmpeg's -reset_timestamps 1 leaves them
      expect(Number(probe.format.start_time)).toBeCloseTo(1.4, 3);
      expect(await decodeErrors(file)).toBe('');
    }
  });

  it('decodes the keyframes catch-up analysis reads, at their capture times', async () => {
    const s = closed[0]!;
    const frames = await recordedFrames(path.join(recordingsDir(), s.path), s.startTime, { jpegQuality: 8 });
    expect(frames.map((f) => f.capturedAt.getTime() - s.startTime.getTime())).toEqual([0, 1000, 2000]);
    expect(frames.every((f) => f.width === 960 && f.height === 1080)).toBe(true);
  });

  it('the VOD playlist and segments serve them with wall-clock timestamps, continuous across segments', async () => {
    const r = await get(`/vod/cam_t.m3u8?${range()}`);
    expect(r.status).toBe(200);
    const lines = (await r.text()).trim().split('\n');
    expect(lines).not.toContain('#EXT-X-DISCONTINUITY');
    const uris = lines.filter((l) => l.startsWith('/vod/'));
    expect(uris).toHaveLength(closed.length);
    const extinf = lines.filter((l) => l.startsWith('#EXTINF:')).map((l) => parseFloat(l.slice(8)));
    expect(extinf).toEqual(closed.map((s) => (s.endTime.getTime() - s.startTime.getTime()) / 1000));
    const token = await mediaToken(api, operator, 'cam_t');
    const ptsOf = async (u: string) => {
      const out = JSON.parse(await ffprobe(['-show_entries', 'packet=pts_time', '-select_streams', 'v:0', '-of', 'json', `${api}${u}?token=${token}`])) as { packets: Array<{ pts_time: string }> };
      return out.packets.map((p) => Number(p.pts_time));
    };
    const a = await ptsOf(uris[0]!);
    const b = await ptsOf(uris[1]!);
    expect(Math.abs(b[0]! - (a.at(-1)! + 0.04))).toBeLessThan(0.01);
    // media ends at the segment's recorded end on the wall clock (mod 2^33 ticks)
    const endTicks = (closed[0]!.endTime.getTime() * (TICKS_PER_SECOND / 1000)) % 2 ** 33;
    expect(Math.abs(a.at(-1)! + 0.04 - endTicks / TICKS_PER_SECOND)).toBeLessThan(0.01);
  });

  it('exports an MP4 of a range across segments, by copy', async () => {
    const from = new Date(closed[0]!.startTime.getTime() + 1500);
    const to = new Date(from.getTime() + 6000);
    const r = await get(`/api/v1/cameras/cam_t/export.mp4?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(r.status).toBe(200);
    const file = path.join(dir, 'export.mp4');
    await writeFile(file, Buffer.from(await r.arrayBuffer()));
    expect(Math.abs(Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file])) - 6)).toBeLessThanOrEqual(1);
    expect(await decodeErrors(file)).toBe('');
  });

  describe.skipIf(!hasChromium())('in Chromium', () => {
    let browser: Browser;
    afterAll(async () => browser?.close());

    it('hls.js plays the VOD of these segments: time advances, the picture is not blank', async () => {
      browser = await launchBrowser({ bypassCSP: true });
      const page = await browser.page();
      await signInPage(page, api, credentials);
      await playWithHlsJs(page, `${api}/vod/cam_t.m3u8?${range()}`);
      // past the first cut (3 s): the player went from one written segment into the next
      await until('playback past 4 s', 40_000, async () => ((await videoState(page)).currentTime > 4 ? true : undefined));
      const state = await videoState(page);
      expect([state.videoWidth, state.videoHeight]).toEqual([960, 1080]);
      expect(await isFrameBlank(await page.locator('video').screenshot())).toBe(false);
    });
  });
});
