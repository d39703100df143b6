import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import { CameraWorker, type CameraWorkerEvents } from './camera-worker.ts';

/**
 * The supervisor against a scripted stand-in for ffmpeg (no RTSP server needed): it speaks the
 * same protocol (stderr "Opening", CSV on fd 3) and misbehaves on demand. Frames come from the
 * camera's RTP feed, which needs a real stream: test/integration/camera-worker.test.ts.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-worker-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = path.join(dir, 'fake-ffmpeg.mjs');
writeFileSync(FAKE, `#!${process.execPath}
import { writeFileSync, createWriteStream } from 'node:fs';
const args = process.argv.slice(2);
writeFileSync(${JSON.stringify(path.join(dir, 'last-args.json'))}, JSON.stringify(args));
const mode = process.env.FAKE_MODE;
if (mode === 'live') {
  // the HLS muxer: a segment and a playlist update per "second", until SIGINT
  const segments = args[args.indexOf('-hls_segment_filename') + 1];
  let n = 0;
  const tick = () => {
    const seg = segments.replace('%d', String(++n));
    writeFileSync(seg, Buffer.alloc(188, 0x47));
    writeFileSync(args.at(-1), '#EXTM3U\\n');
    process.stderr.write("[hls @ 0x2] [info] Opening '" + seg + "' for writing\\n");
  };
  tick();
  const timer = setInterval(tick, 100);
  process.on('SIGINT', () => clearInterval(timer));
} else if (mode === 'hang') {
  process.on('SIGTERM', () => {}); // a wedged process: only SIGKILL ends it
  setInterval(() => {}, 1000);
} else {
  const pattern = args[args.indexOf('csv') + 1];
  const d = new Date();
  const file = pattern.replace('%Y%m%d', d.toISOString().slice(0, 10).replace(/-/g, '')).replace('%H%M%S', d.toISOString().slice(11, 19).replace(/:/g, ''));
  writeFileSync(file, Buffer.alloc(1880, 0x47));
  process.stderr.write("[segment @ 0x1] [info] Opening '" + file + "' for writing\\n");
  setTimeout(() => {
    createWriteStream('', { fd: 3 }).end(file.split('/').pop() + ',0.000000,2.000000\\n', () => {
      if (mode === 'auth') process.stderr.write('[rtsp @ 0x1] [error] method DESCRIBE failed: 401 Unauthorized\\n');
      process.exitCode = mode === 'auth' ? 1 : 0;
    });
  }, 100);
}
`);
chmodSync(FAKE, 0o755);

/**
 * The fake is a Node script: on a loaded machine it may take seconds to print its first line, so
 * only the tests about stalls use a short stall limit.
 */
function worker(mode: string, over: Partial<ConstructorParameters<typeof CameraWorker>[0]> = {}, stallSeconds = 10) {
  process.env.FAKE_MODE = mode;
  const w = new CameraWorker({
    camera: { id: 'cam_u', name: 'Gate', siteId: 's', stream: 0, url: 'rtsp://admin:pw123@127.0.0.1:1/x', retentionDays: 7, detect: true },
    stream: { stall_seconds: stallSeconds, rtsp_timeout_seconds: 1, backoff_initial_ms: 60_000, backoff_max_ms: 60_000, backoff_jitter: 0, probe_interval_ms: 60_000, jpeg_quality: 4 },
    segmentSeconds: 2, recordingsDir: path.join(dir, 'rec'), ffmpegPath: FAKE, logger: createLogger('silent'), stopTimeoutMs: 500, ...over,
  });
  const events: Array<[keyof CameraWorkerEvents, unknown]> = [];
  for (const e of ['frame', 'segmentOpened', 'segment', 'gap', 'gapEnd', 'segmentDiscarded'] as const) w.on(e, (x: unknown) => events.push([e, x]));
  return { w, events, backoff: new Promise<void>((r) => w.on('status', (s) => s.state === 'backoff' && r())) };
}

describe('CameraWorker supervision', () => {
  it('turns ffmpeg output into segments, and treats a clean exit as a failure', async () => {
    const { w, events, backoff } = worker('ended');
    w.start();
    await backoff;
    expect(events.map(([e]) => e)).toEqual(['gapEnd', 'segmentOpened', 'segment', 'gap']);
    const seg = events.find(([e]) => e === 'segment')![1] as { path: string; bytes: number };
    expect(seg.bytes).toBe(1880);
    expect(existsSync(path.join(dir, 'rec', seg.path))).toBe(true);
    expect(w.status()).toMatchObject({ state: 'backoff', lastErrorKind: 'ended', currentBackoffMs: 60_000, reconnects: 1, lastError: 'camera cam_u (Gate): stream ended: the DVR closed the connection' });
    await w.stop();
    expect(w.status().state).toBe('stopped');
  });

  it('classifies the stderr cause, names the variable the password comes from, and never shows the password', async () => {
    const { w, backoff } = worker('auth');
    w.start();
    await backoff;
    expect(w.status().lastError).toBe("camera cam_u (Gate): wrong username/password (RTSP 401 Unauthorized): check the user and password in camera cam_u's url (or VIGIL_CAMERA_CAM_U_URL)");
    await w.stop();
    const onDvr = worker('auth', { camera: { id: 'cam_u', name: 'Gate', siteId: 's', dvrId: 'dvr1', channel: 1, stream: 0, url: 'rtsp://127.0.0.1:1/user=admin&password=pw123&channel=1&stream=0.sdp?', retentionDays: 7, detect: true } });
    onDvr.w.start();
    await onDvr.backoff;
    expect(onDvr.w.status().lastError).toBe("camera cam_u (Gate): wrong username/password (RTSP 401 Unauthorized): check dvr dvr1's username and password (VIGIL_DVR_DVR1_PASSWORD or VIGIL_DVR_DVR1_PASSWORD_FILE)");
    expect(onDvr.w.status().lastError).not.toContain('pw123');
    await onDvr.w.stop();
  });

  it('kills a stalled ffmpeg, escalating to SIGKILL, and opens a gap', async () => {
    const { w, events, backoff } = worker('hang', {}, 0.5);
    w.start();
    await backoff;
    expect(w.status().lastErrorKind).toBe('stalled');
    expect(events.map(([e]) => e)).toEqual(['gap']);
    await w.stop();
  });

  it('reports an ffmpeg that cannot start, and stop() ends the backoff', async () => {
    const { w, backoff } = worker('ended', { ffmpegPath: path.join(dir, 'no-such-ffmpeg') });
    w.start();
    await backoff;
    expect(w.status().lastError).toMatch(/^camera cam_u \(Gate\): ffmpeg could not start: spawn .*no-such-ffmpeg ENOENT$/);
    await w.stop();
    expect(w.status().state).toBe('stopped');
  });

  it('runs a live-only worker on HLS progress alone: stale live files go, no recording, no gaps', async () => {
    const hlsDir = path.join(dir, 'live', 'cam_u', 'sub');
    mkdirSync(path.join(hlsDir, 'nested'), { recursive: true });
    writeFileSync(path.join(hlsDir, '999999_1.ts'), 'stale');
    writeFileSync(path.join(hlsDir, 'nested', 'keep.ts'), 'another worker');
    const { w, events } = worker('live', { liveOnly: true, live: { hlsDir } }, 3);
    const streaming = new Promise<void>((r) => w.on('status', (s) => s.state === 'streaming' && r()));
    w.start();
    await streaming;
    const args = JSON.parse(readFileSync(path.join(dir, 'last-args.json'), 'utf8')) as string[];
    expect(args).toContain('hls');
    expect(args).not.toContain('csv');
    expect(args).not.toContain('pipe:1');
    expect(existsSync(path.join(hlsDir, '999999_1.ts'))).toBe(false);
    expect(existsSync(path.join(hlsDir, 'nested', 'keep.ts'))).toBe(true);
    // past stall_seconds (3 s): HLS segments count as progress
    await new Promise((r) => setTimeout(r, 4000));
    expect(w.status().state).toBe('streaming');
    expect(existsSync(path.join(hlsDir, 'index.m3u8'))).toBe(true);
    await w.stop();
    expect(existsSync(path.join(hlsDir, 'index.m3u8'))).toBe(false);
    expect(events).toEqual([]);
  });

  it('gives the recording ffmpeg its HLS and RTP outputs', async () => {
    const live = { hlsDir: path.join(dir, 'live', 'cam_u'), rtp: { port: 41000, sdpPath: path.join(dir, 'live', 'cam_u.sdp') } };
    const { w, backoff } = worker('ended', { live });
    w.start();
    await backoff;
    const args = JSON.parse(readFileSync(path.join(dir, 'last-args.json'), 'utf8')) as string[];
    expect(args).toContain('csv');
    expect(args).toContain(path.join(live.hlsDir, 'index.m3u8'));
    expect(args).toContain('rtp://127.0.0.1:41000?pkt_size=1200&rtcpport=41000');
    expect(args[args.indexOf('-sdp_file') + 1]).toBe(live.rtp.sdpPath);
    await w.stop();
  });
});
