/**
 * Camera workers against a real RTSP server: the DVR simulator as a separate process, so it can
 * be killed, hung (SIGSTOP) and brought back. Supervision settings are small to keep this short.
 * Every test runs with both ingests: ffmpeg holding the camera, and Vigil's own RTSP client.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpPlusUrl } from '../../src/config/cpplus.ts';
import type { ResolvedCamera } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import type { FrameMessage } from '../../src/core/types.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { CameraWorker, type GapStart, type SegmentClosed, type WorkerStatus } from '../../src/media/camera-worker.ts';
import { ffprobe } from '../fixtures/ffprobe.ts';
import { startTcpRelay } from '../fixtures/tcp-relay.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping camera-worker integration tests: ffmpeg/ffprobe not found');

const PASSWORD = 'Dvr-Secret-42';
const quiet = createLogger('silent');

type Ingest = Config['stream']['ingest'];
type WorkerStream = Omit<Config['stream'], 'offline_alert_seconds'>;
const stream = (ingest: Ingest, over: Partial<WorkerStream> = {}): WorkerStream => ({
  ingest, stall_seconds: 3, rtsp_timeout_seconds: 2, backoff_initial_ms: 300, backoff_max_ms: 2000,
  backoff_jitter: 0.1, probe_interval_ms: 300, jpeg_quality: 6, ...over,
});

function camera(id: string, url: string): ResolvedCamera {
  return { id, name: id, siteId: 'site', stream: 0, url, retentionDays: 7, detect: true };
}

/** A worker plus everything it emitted. */
function record(ingest: Ingest, id: string, url: string, recordingsDir: string, o: { segmentSeconds?: number; stream?: Partial<WorkerStream>; healthyAfterMs?: number; frames?: boolean } = {}) {
  const worker = new CameraWorker({ camera: camera(id, url), stream: stream(ingest, o.stream), segmentSeconds: o.segmentSeconds ?? 2, recordingsDir, logger: quiet, healthyAfterMs: o.healthyAfterMs });
  const log = { frames: [] as FrameMessage[], opened: [] as number[], segments: [] as SegmentClosed[], gaps: [] as GapStart[], gapEnds: 0, statuses: [] as WorkerStatus[] };
  worker.on('frame', (f) => log.frames.push(f));
  worker.setFrameDemand(o.frames ?? true);
  worker.on('segmentOpened', () => log.opened.push(Date.now()));
  worker.on('segment', (s) => log.segments.push(s));
  worker.on('gap', (g) => log.gaps.push(g));
  worker.on('gapEnd', () => (log.gapEnds += 1));
  worker.on('status', (s) => log.statuses.push(s));
  workers.push(worker);
  worker.start();
  return { worker, log };
}

const workers: CameraWorker[] = [];

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first backoff status: the failure the worker reports. */
const firstFailure = (statuses: WorkerStatus[]): WorkerStatus | undefined => statuses.find((s) => s.state === 'backoff');

describe.skipIf(!hasFfmpeg).each<Ingest>(['ffmpeg', 'native'])('camera worker (%s ingest) against the DVR simulator', (ingest) => {
  let dvr: DvrSimProcess;
  let dir = '';
  const servers: net.Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-worker-'));
    dvr = await spawnDvrSim({ channels: 2, password: PASSWORD });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await dvr?.stop();
    for (const s of servers) s.close();
    // no ffmpeg may outlive its worker: every one of them had this test's directory in its arguments
    expect(spawnSync('pgrep', ['-f', dir]).stdout.toString().trim()).toBe('');
    await rm(dir, { recursive: true, force: true });
  });

  it('records valid 10 s segments that start on a keyframe, and one JPEG per second', async () => {
    const { worker, log } = record(ingest, 'cam_rec', dvr.url(1), dir, { segmentSeconds: 10 });
    await until('two closed segments', () => log.segments.length >= 2, 40_000);
    const stoppedAt = Date.now();
    await worker.stop();
    // the open segment is finished and reported on stop, up to about when it was asked
    expect(log.segments.at(-1)!.endTime.getTime()).toBeGreaterThan(stoppedAt - 2000);
    expect(log.gaps.at(-1)).toMatchObject({ kind: 'stopped' });

    const closed = log.segments.slice(0, 2);
    for (const seg of closed) {
      const file = path.join(dir, seg.path);
      expect(seg.path).toMatch(/^cam_rec\/\d{8}\/\d{6}_\d{6}\.ts$/);
      const streams = JSON.parse(await ffprobe(['-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file])) as { streams: unknown[] };
      expect(streams.streams[0]).toEqual({ codec_name: 'h264', width: 960, height: 1080 });
      const duration = Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]));
      expect(duration).toBeGreaterThan(8.5);
      expect(duration).toBeLessThan(11.5);
      expect(await ffprobe(['-select_streams', 'v:0', '-show_entries', 'packet=flags', '-read_intervals', '%+#1', '-of', 'csv=p=0', file])).toMatch(/^K/);
      expect(seg.bytes).toBeGreaterThan(0);
      expect(seg.endTime.getTime()).toBeGreaterThan(seg.startTime.getTime());
    }
    expect(closed[1]!.startTime.getTime()).toBeGreaterThanOrEqual(closed[0]!.endTime.getTime() - 50);

    // GOP 25 at 25 fps: one keyframe, so one JPEG, per second of recorded video
    const recordedSeconds = (log.segments.at(-1)!.endTime.getTime() - log.segments[0]!.startTime.getTime()) / 1000;
    expect(log.frames.length).toBeGreaterThan(recordedSeconds * 0.8);
    expect(log.frames.length).toBeLessThan(recordedSeconds * 1.2 + 2);
    const f = log.frames[0]!;
    expect([f.camera_id, f.width, f.height, f.jpeg[0], f.jpeg[1]]).toEqual(['cam_rec', 960, 1080, 0xff, 0xd8]);
    expect(log.frames.every((x, i) => i === 0 || x.seq === log.frames[i - 1]!.seq + 1)).toBe(true);
    expect(worker.status().state).toBe('stopped');
    expect(worker.status().sourceFps).toBeCloseTo(25, 0);
  });

  it('decodes nothing for a camera nobody analyses, yet gives a snapshot of its newest keyframe and frames once asked', async () => {
    const { worker, log } = record(ingest, 'cam_idle', dvr.url(2), dir, { frames: false });
    // the native ingest sends no packets here while nothing wants them: its snapshot asks for the current GOP
    await until('streaming and a keyframe', () => worker.status().state === 'streaming' && (ingest === 'native' || worker.feed?.latestIdr !== undefined), 20_000);
    // the camera's ffmpeg copies only, and no decoder runs: no frames
    const decoders = () => spawnSync('pgrep', ['-P', String(process.pid), '-f', 'ffmpeg .*-f h264 -i pipe:0']).stdout.toString().trim().split('\n').filter(Boolean);
    expect(decoders()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(log.frames).toHaveLength(0);
    expect(worker.status().analysisFps).toBe(0);

    const snapshot = await worker.snapshot();
    expect([snapshot.width, snapshot.height, snapshot.jpeg[0], snapshot.jpeg[1]]).toEqual([960, 1080, 0xff, 0xd8]);
    expect(Date.now() - snapshot.at.getTime()).toBeLessThan(10_000);
    // asked again within the same GOP: the same decode, not another ffmpeg
    expect(await worker.snapshot()).toBe(snapshot);

    worker.setFrameDemand(true);
    await until('frames once asked', () => log.frames.length >= 2, 20_000);
    expect(decoders()).toHaveLength(1);
    worker.setFrameDemand(false);
    await until('the decoder gone', () => decoders().length === 0, 10_000);
    const count = log.frames.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(log.frames.length).toBe(count);
  });

  it.runIf(ingest === 'native')('holds the camera with the DVR password in no process\'s arguments', async () => {
    const { worker, log } = record(ingest, 'cam_argv', dvr.url(1), dir, { frames: true });
    await until('recording and frames', () => log.segments.length >= 1 && log.frames.length >= 1, 20_000);
    await worker.snapshot();
    // this process's children whose arguments hold the password (the frame decoders included): only the simulator, it is the DVR
    const holders = spawnSync('pgrep', ['-P', String(process.pid), '-f', PASSWORD]).stdout.toString().trim().split('\n').filter(Boolean).map(Number);
    expect(holders).toEqual([dvr.pid]);
    await worker.stop();
  });

  it.runIf(ingest === 'native')('goes on streaming while recordings cannot be written, and records again once they can', async () => {
    const { worker, log } = record(ingest, 'cam_disk', dvr.url(2), dir, { frames: true, segmentSeconds: 1 });
    await until('recording', () => log.segments.length >= 1, 20_000);
    // the camera's directory becomes a file: no segment can be created (as on a full or read-only disk)
    const cameraDir = path.join(dir, 'cam_disk');
    await rename(cameraDir, `${cameraDir}.moved`);
    await writeFile(cameraDir, 'not a directory');
    await until('the storage failure', () => log.gaps.length === 1, 10_000);
    expect(log.gaps[0]).toMatchObject({ kind: 'storage', cause: expect.stringMatching(/^camera cam_disk: cannot write recordings: /) });
    const framesAtFailure = log.frames.length;
    await until('frames while nothing records', () => log.frames.length >= framesAtFailure + 2, 10_000);
    expect(worker.status()).toMatchObject({ state: 'streaming', reconnects: 0, lastErrorKind: 'storage' });
    await rm(cameraDir);
    const openedBefore = log.opened.length;
    await until('recording again', () => log.opened.length > openedBefore && log.segments.length > 0, 15_000);
    expect(log.gapEnds).toBe(2);
    expect(log.statuses.some((st) => st.state === 'backoff')).toBe(false);
    await worker.stop();
  });

  it('restarts after the DVR process is killed and resumes within 5 s of its return, despite a long backoff', async () => {
    // a 30 s backoff: only the probe can bring recording back this fast
    const { worker, log } = record(ingest, 'cam_kill', dvr.url(1), dir, { stream: { backoff_initial_ms: 30_000, backoff_max_ms: 60_000 } });
    await until('recording', () => log.segments.length >= 1, 20_000);
    const port = dvr.port;
    dvr.signal('SIGKILL');
    await until('a gap', () => log.gaps.length === 1, 10_000);
    expect(firstFailure(log.statuses)?.currentBackoffMs).toBeGreaterThan(20_000);
    await new Promise((r) => setTimeout(r, 1500));
    dvr = await spawnDvrSim({ port, channels: 2, password: PASSWORD });
    const back = Date.now();
    const openedBefore = log.opened.length;
    await until('a segment after the DVR returned', () => log.opened.length > openedBefore, 5000);
    expect(log.opened.at(-1)! - back).toBeLessThan(5000);
    expect(log.gapEnds).toBe(2); // the first segment ever, and the one after the outage
    expect(log.gaps[0]!.cause).toMatch(/^camera cam_kill: /);
    await worker.stop();
  });

  it('resumes within 5 s of the DVR coming back whenever its last retry failed, with the default backoff and probe timing', async () => {
    // The gate plays the DVR's network presence: closed refuses connections like a DVR that is off.
    // Opening it at set offsets after a failed retry covers the moment that used to cost a whole
    // backoff delay: a retry refused just before the DVR listens again.
    const gate = await startTcpRelay(dvr.port);
    const url = dvr.url(1).replace(`:${dvr.port}/`, `:${gate.port}/`);
    // each return resets the backoff (healthy after 1 s), so every outage starts from the same schedule
    const { worker, log } = record(ingest, 'cam_gate', url, dir, { healthyAfterMs: 1000, stream: { backoff_initial_ms: 500, backoff_max_ms: 60_000, probe_interval_ms: 1000, rtsp_timeout_seconds: 10 } });
    try {
      await until('recording', () => log.segments.length >= 1, 20_000);
      const resumed: Array<{ offsetMs: number; ms: number }> = [];
      for (const offsetMs of [0, 500, 950]) {
        await until('recording for a second (backoff reset)', () => worker.status().currentBackoffMs === 0 && log.segments.length > 0, 20_000);
        await new Promise((r) => setTimeout(r, 1500));
        await gate.down();
        const failuresBefore = worker.status().reconnects;
        // the outage's first failure, then refused retries after 0.5, 1, 2 and 4 s: the next one is 8 s away
        await until('a refused retry', () => worker.status().reconnects >= failuresBefore + 5, 30_000);
        expect(worker.status().currentBackoffMs).toBeGreaterThan(6000);
        await new Promise((r) => setTimeout(r, offsetMs));
        const openedBefore = log.opened.length;
        await gate.up();
        const back = Date.now();
        await until(`a segment after the DVR returned (${offsetMs} ms after a refused retry)`, () => log.opened.length > openedBefore, 15_000);
        resumed.push({ offsetMs, ms: log.opened.at(-1)! - back });
      }
      expect(resumed.filter((r) => r.ms >= 5000)).toEqual([]);
    } finally {
      await worker.stop();
      await gate.down();
    }
  }, 180_000);

  it('keeps recording without a gap while this process is blocked for 20 s, and the watchdog does not blame the stream', async () => {
    // a 5 s stall limit: had the watchdog counted the blocked time, it would have killed ffmpeg
    const { worker, log } = record(ingest, 'cam_block', dvr.url(2), dir, { stream: { stall_seconds: 5 } });
    await until('recording', () => log.segments.length >= 2, 20_000);
    const blockedAt = Date.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20_000);
    const resumedAt = Date.now();
    await until('segments closed after the block', () => log.segments.some((s) => s.startTime.getTime() > resumedAt + 1000), 20_000);
    expect(log.gaps).toEqual([]);
    expect(worker.status()).toMatchObject({ state: 'streaming', reconnects: 0 });
    // the recording covers the blocked time: consecutive segments meet
    const spans = log.segments.map((s) => [s.startTime.getTime(), s.endTime.getTime()] as const).sort((a, b) => a[0] - b[0]);
    const holes = spans.slice(1).map(([start], i) => ({ at: new Date(spans[i]![1]).toISOString(), ms: start - spans[i]![1] })).filter((h) => h.ms > 1500);
    expect(holes).toEqual([]);
    expect(spans[0]![0]).toBeLessThan(blockedAt);
    expect(spans.at(-1)![1]).toBeGreaterThan(resumedAt);
    await worker.stop();
  }, 90_000);

  it('kills a hung stream and resumes within 5 s once the DVR continues', async () => {
    const { worker, log } = record(ingest, 'cam_hang', dvr.url(2), dir, { stream: { backoff_initial_ms: 30_000, backoff_max_ms: 60_000 } });
    await until('recording', () => log.segments.length >= 1, 20_000);
    dvr.signal('SIGSTOP');
    try {
      await until('the hang detected', () => log.gaps.length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 1000)); // probes now time out: the source is seen down
    } finally {
      dvr.signal('SIGCONT');
    }
    const back = Date.now();
    const openedBefore = log.opened.length;
    await until('a segment after SIGCONT', () => log.opened.length > openedBefore, 5000);
    expect(log.opened.at(-1)! - back).toBeLessThan(5000);
    expect(log.gaps[0]!.kind).toMatch(/unreachable|stalled/);
    await worker.stop();
  });

  it('names the camera and the cause for a wrong password and a missing channel, without leaking the password', async () => {
    const wrong = 'Not-The-Password-7';
    const auth = record(ingest, 'cam_auth', cpPlusUrl({ host: '127.0.0.1', port: dvr.port, username: 'admin', password: wrong, channel: 1, stream: 0 }), dir);
    const missing = record(ingest, 'cam_404', dvr.url(1).replace('channel=1', 'channel=9'), dir);
    await until('both failures', () => !!firstFailure(auth.log.statuses) && !!firstFailure(missing.log.statuses), 10_000);
    const a = firstFailure(auth.log.statuses)!;
    expect(a.lastError).toMatch(/^camera cam_auth: .*password/);
    expect(a.lastErrorKind).toBe('auth');
    expect(JSON.stringify([auth.log.statuses, auth.log.gaps])).not.toContain(wrong);
    expect(firstFailure(missing.log.statuses)!.lastError).toMatch(/^camera cam_404: no such channel/);
    await Promise.all([auth.worker.stop(), missing.worker.stop()]);
  });

  it('reports an unreachable DVR on a closed port', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const { worker, log } = record(ingest, 'cam_down', `rtsp://127.0.0.1:${port}/live`, dir);
    await until('a failure', () => !!firstFailure(log.statuses), 10_000);
    expect(firstFailure(log.statuses)!.lastError).toBe('camera cam_down: DVR unreachable (connection refused)');
    expect(log.gaps).toHaveLength(1);
    await worker.stop();
  });

  it('reports a corrupt stream while another camera keeps recording', async () => {
    const garbage = net.createServer((s) => {
      s.on('error', () => {});
      const junk = Buffer.alloc(4096, 0x5a);
      const t = setInterval(() => s.write(junk), 20);
      s.on('close', () => clearInterval(t));
    });
    servers.push(garbage);
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const healthy = record(ingest, 'cam_ok', dvr.url(2), dir);
    await until('the healthy camera recording', () => healthy.log.segments.length >= 1, 20_000);
    const segmentsBefore = healthy.log.segments.length;
    const bad = record(ingest, 'cam_junk', `rtsp://127.0.0.1:${(garbage.address() as net.AddressInfo).port}/live`, dir);
    await until('the corrupt stream reported', () => !!firstFailure(bad.log.statuses), 15_000);
    expect(firstFailure(bad.log.statuses)!.lastError).toMatch(/^camera cam_junk: corrupt or unsupported stream/);
    await until('the healthy camera still recording', () => healthy.log.segments.length >= segmentsBefore + 2, 10_000);
    expect(healthy.worker.status().state).toBe('streaming');
    await Promise.all([healthy.worker.stop(), bad.worker.stop()]);
  });
});
