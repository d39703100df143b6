/**
 * Interoperability: the camera worker records from GStreamer's gst-rtsp-server (an RTSP
 * implementation independent of our simulator) at the CP PLUS URL path, with either ingest
 * holding the session (ffmpeg, or Vigil's own RTSP client).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import type { FrameMessage } from '../../src/core/types.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { CameraWorker, type SegmentClosed } from '../../src/media/camera-worker.ts';
import { hasGstRtspServer, startGstRtsp, type GstRtsp } from '../fixtures/gst-rtsp.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const hasGst = hasGstRtspServer();
if (!hasFfmpeg) console.warn('skipping gst interop test: ffmpeg/ffprobe not found');
if (!hasGst) console.warn('skipping gst interop test: gst-rtsp-server (python3-gi with GstRtspServer under /usr/bin/python3) not found');

describe.skipIf(!hasFfmpeg || !hasGst).each<Config['stream']['ingest']>(['ffmpeg', 'native'])('camera worker (%s ingest) with gst-rtsp-server', (ingest) => {
  let gst: GstRtsp | undefined;
  let worker: CameraWorker | undefined;
  let dir = '';

  afterAll(async () => {
    await worker?.stop();
    await gst?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records segments and keyframe JPEGs from the CP PLUS path', async () => {
    const sample = await ensureSample();
    gst = await startGstRtsp({ h264Path: sample.main, channels: 2 });
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-gst-'));
    const url = gst.url(2);
    expect(url).toMatch(/\/user=admin&password=&channel=2&stream=0\.sdp\?$/);
    worker = new CameraWorker({
      camera: { id: 'cam_gst', name: 'cam_gst', siteId: 'site', stream: 0, url, retentionDays: 7, detect: true },
      stream: { ingest, stall_seconds: 5, rtsp_timeout_seconds: 3, backoff_initial_ms: 500, backoff_max_ms: 2000, backoff_jitter: 0.1, probe_interval_ms: 500, jpeg_quality: 6 },
      segmentSeconds: 3, recordingsDir: dir, logger: createLogger('silent'),
    });
    const frames: FrameMessage[] = [];
    const segments: SegmentClosed[] = [];
    worker.on('frame', (f) => frames.push(f));
    worker.setFrameDemand(true);
    worker.on('segment', (s) => segments.push(s));
    const closed = new Promise<void>((resolve) => worker!.on('segment', () => segments.length >= 2 && resolve()));
    worker.start();
    await closed;
    await worker.stop();

    expect(worker.status().lastError).toBeNull();
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect([frames[0]!.width, frames[0]!.height]).toEqual([960, 1080]);
    const file = path.join(dir, segments[1]!.path);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], (err, stdout) => (err ? reject(err) : resolve(stdout))));
    const probe = JSON.parse(out) as { streams: Array<{ codec_name: string }>; format: { duration: string } };
    expect(probe.streams[0]!.codec_name).toBe('h264');
    expect(Number(probe.format.duration)).toBeGreaterThan(2);
  });
});
