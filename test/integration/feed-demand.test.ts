/**
 * A camera held by Vigil's own RTSP client costs this thread nothing while nothing here uses its
 * video: the ingest thread records it and reports its health, and sends its packets only while a
 * WebRTC viewer, a snapshot, an LL-HLS player or analysis claims the feed, starting each time with
 * the current GOP. The DVR simulator runs as a separate process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { CameraWorker } from '../../src/media/camera-worker.ts';
import type { CameraFeed } from '../../src/media/feed/camera-feed.ts';
import { NAL } from '../../src/media/h264.ts';
import { followFeed } from '../../src/media/llhls/packager.ts';
import { parseRtp, startedNalTypes } from '../../src/media/webrtc/h264-rtp.ts';
import { RtpFanout } from '../../src/media/webrtc/rtp-fanout.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping the feed demand test: ffmpeg not found (the sample clip and snapshots need it)');
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasFfmpeg)('a native camera\'s packets on the main thread, by demand', () => {
  let dvr: DvrSimProcess;
  let dir: string;
  let worker: CameraWorker;
  let feed: CameraFeed;
  let packets = 0;
  let segments = 0;

  /** Packets stop coming (those already on their way arrive first): the count holds still for 1.5 s. */
  const stopsReceiving = () => until('packets to stop', 15_000, async () => {
    const before = packets;
    await sleep(1500);
    return packets === before ? true : undefined;
  }, 0);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-demand-'));
    dvr = await spawnDvrSim({ channels: 1 });
    worker = new CameraWorker({
      camera: { id: 'cam_d', name: 'cam_d', siteId: 's', stream: 0, url: dvr.url(1), retentionDays: 1, detect: false },
      stream: { ...configSchema.parse({}).stream, ingest: 'native' }, segmentSeconds: 1, recordingsDir: dir, logger: log,
    });
    feed = worker.feed!;
    // counting only: a plain listener claims nothing (onPacket does)
    feed.on('rtp', () => packets++);
    worker.on('segment', () => segments++);
    worker.start();
  }, 30_000);

  afterAll(async () => {
    await worker?.stop();
    await dvr?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('receives none while nothing claims the feed; the camera records and its health shows the stream', async () => {
    await until('streaming', 20_000, () => (worker.status().state === 'streaming' ? true : undefined));
    const recorded = segments;
    await until('two more segments', 20_000, () => (segments >= recorded + 2 ? true : undefined));
    expect(packets).toBe(0);
    expect(feed.claimedBy).toEqual([]);
    const status = await until('the source rate', 10_000, () => (worker.status().sourceFps !== null ? worker.status() : undefined));
    expect(status.sourceFps).toBeCloseTo(25, 0);
    // the last frame's time moves on, from the ingest thread's reports
    const lastFrame = Date.parse(status.lastFrameAt!);
    await until('a later frame', 10_000, () => (Date.parse(worker.status().lastFrameAt!) > lastFrame ? true : undefined));
    expect(worker.status().connected).toBe(true);
    expect(packets).toBe(0);
  });

  it('a WebRTC viewer gets the current GOP at once, from its IDR, and packets stop when it leaves', async () => {
    const fanout = new RtpFanout({ source: feed, log });
    await fanout.start();
    expect(feed.claimedBy).toEqual([]);
    const got: Buffer[] = [];
    const viewer = fanout.addViewer((p) => got.push(Buffer.from(p)));
    expect(feed.claimedBy).toEqual(['webrtc']);
    await until('the first packets', 10_000, () => (got.length >= 3 ? true : undefined), 20);
    const types = got.slice(0, 3).flatMap((p) => startedNalTypes(p, parseRtp(p)!));
    expect(types).toContain(NAL.IDR);
    await until('live packets', 10_000, () => (got.length > 200 ? true : undefined));
    viewer.close();
    expect(feed.claimedBy).toEqual([]);
    await stopsReceiving();
    fanout.stop();
  });

  it('a snapshot takes the IDR of the current GOP and releases the feed', async () => {
    const before = packets;
    const snapshot = await worker.snapshot();
    expect([snapshot.width, snapshot.height, snapshot.jpeg[0], snapshot.jpeg[1]]).toEqual([960, 1080, 0xff, 0xd8]);
    expect(packets).toBeGreaterThan(before);
    expect(feed.claimedBy).toEqual([]);
    await stopsReceiving();
  });

  it('an LL-HLS request follows the feed until no request came for the idle time, then drops the window', async () => {
    const packager = followFeed(feed, 'cam_d', log, 2000);
    packager.requested();
    expect(feed.claimedBy).toEqual(['ll-hls']);
    const answer = await packager.playlistFor({});
    expect('ok' in answer && answer.ok).toMatch(/#EXTINF:/);
    await until('the claim to lapse', 15_000, () => (feed.claimedBy.length === 0 ? true : undefined));
    // old video must not be served as live when the next player asks
    expect(packager.playlist()).toBeUndefined();
    await stopsReceiving();
  });

  it('analysis gets frames while it asks for them', async () => {
    let frames = 0;
    worker.on('frame', () => frames++);
    worker.setFrameDemand(true);
    expect(feed.claimedBy).toEqual(['analysis']);
    await until('frames', 20_000, () => (frames >= 2 ? true : undefined));
    worker.setFrameDemand(false);
    expect(feed.claimedBy).toEqual([]);
    await stopsReceiving();
  });
});
