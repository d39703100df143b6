import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { ResolvedCamera } from '../src/config/load.ts';
import { configSchema, type Config } from '../src/config/schema.ts';
import { createLogger } from '../src/core/log.ts';
import type { AnalysisRate } from '../src/core/types.ts';
import type { DvrSimProcess } from '../src/dvr-sim/process.ts';
import { CameraWorker } from '../src/media/camera-worker.ts';
import { buildFfmpegArgs, dayDir, SEGMENT_LIST_FD, segmentPattern } from '../src/media/ffmpeg-args.ts';
import { childPids, sumCpu } from './proc-cpu.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const WARMUP_MS = 4000;

type Ingest = Config['stream']['ingest'];

export interface WorkerBenchRow {
  channels: number;
  seconds: number;
  /** who holds the cameras: an ffmpeg each, or Vigil's RTSP client (a thread each) */
  ingest: Ingest;
  /** camera workers recording with live feed, nothing analysed: ffmpeg children + this Node process (feed, events, ingest threads) */
  video_only_cpu_s_per_channel_min: number;
  /** the same with frames for analysis (keyframe JPEGs from the feed's decoder) */
  with_frames_cpu_s_per_channel_min: number;
  /** the recording ffmpeg command alone, its RTP drained by a bare socket */
  ffmpeg_alone_cpu_s_per_channel_min: number;
  /** video_only / ffmpeg_alone: what supervising and the feed cost on top of ffmpeg */
  ratio: number;
  frames_per_channel_s: number;
  /** this Node process's resident memory at the end of the video-only measurement */
  node_rss_mb: number;
  /** 1, 5 and 15 min load average when the row was done (the machine is shared) */
  load_average: number[];
}

const camera = (sim: DvrSimProcess, channel: number, analysis?: AnalysisRate): ResolvedCamera => ({
  id: `bench_${channel}`, name: `bench ${channel}`, siteId: 'bench', channel, stream: 0, url: sim.url(channel, 0), retentionDays: 1, detect: false, analysis,
});

/**
 * CPU of running camera workers: their ffmpeg children (recording, and the frame decoders while
 * `frames` asks for frames) and this Node process (the feeds, status, events), measured for
 * `seconds` after a warm-up; `frames` counts the JPEGs delivered.
 */
export async function measureWorkerCpu(workers: CameraWorker[], seconds: number, o: { frames: boolean }): Promise<{ cpu: number; frames: number; rssMb: number }> {
  let frames = 0;
  for (const w of workers) {
    w.on('frame', () => frames++);
    w.start();
    w.setFrameDemand(o.frames);
  }
  try {
    await sleep(WARMUP_MS);
    const pids = childPids(process.pid, 'ffmpeg');
    const t0 = { children: sumCpu(pids), self: process.cpuUsage(), frames };
    await sleep(seconds * 1000);
    const self = process.cpuUsage(t0.self);
    const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
    return { cpu: sumCpu(pids) - t0.children + (self.user + self.system) / 1e6, frames: frames - t0.frames, rssMb };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

function measureWorkers(sim: DvrSimProcess, channels: number, seconds: number, dir: string, frames: AnalysisRate | null, ingest: Ingest = 'ffmpeg'): Promise<{ cpu: number; frames: number; rssMb: number }> {
  const stream = { ...configSchema.parse({}).stream, ingest };
  const workers = Array.from({ length: channels }, (_, i) => new CameraWorker({ camera: camera(sim, i + 1, frames ?? undefined), stream, segmentSeconds: 10, recordingsDir: dir, logger: createLogger('warn') }));
  return measureWorkerCpu(workers, seconds, { frames: frames !== null });
}

async function measureFfmpegAlone(sim: DvrSimProcess, channels: number, seconds: number, dir: string): Promise<number> {
  const children: ChildProcess[] = [];
  // 'ignore' opens /dev/null only for fds 0-2 and leaves fd 3 closed in the child: ffmpeg's RTSP
  // socket then takes fd 3 and the segment list is written into the RTSP connection
  const segmentList = openSync('/dev/null', 'w');
  const stdio = Array.from({ length: SEGMENT_LIST_FD + 1 }, (_, fd) => (fd === SEGMENT_LIST_FD ? segmentList : 'ignore'));
  const drain = createSocket('udp4');
  await new Promise<void>((r) => drain.bind(0, '127.0.0.1', r));
  for (let i = 1; i <= channels; i++) {
    const cam = camera(sim, i);
    mkdirSync(path.join(dir, cam.id, dayDir(new Date())), { recursive: true });
    mkdirSync(path.join(dir, cam.id, dayDir(new Date(Date.now() + 86_400_000))), { recursive: true });
    const feed = { port: drain.address().port, sdpPath: path.join(dir, `${cam.id}.sdp`) };
    const args = buildFfmpegArgs({ url: cam.url, segmentPattern: segmentPattern(dir, cam.id, 'alone'), segmentSeconds: 10, rtspTimeoutSeconds: 10, feed });
    children.push(spawn('ffmpeg', args, { stdio, env: { ...process.env, TZ: 'UTC' } }));
  }
  await sleep(WARMUP_MS);
  const pids = children.map((c) => c.pid!);
  const t0 = sumCpu(pids);
  await sleep(seconds * 1000);
  const cpu = sumCpu(pids) - t0;
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGINT')))));
  closeSync(segmentList);
  drain.close();
  return cpu;
}

const perChannelMin = (cpu: number, channels: number, seconds: number): number => +(cpu / channels / (seconds / 60)).toFixed(3);

export async function benchCameraWorkers(sim: DvrSimProcess, channelCounts: number[], seconds: number): Promise<WorkerBenchRow[]> {
  const rows: WorkerBenchRow[] = [];
  for (const channels of channelCounts) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
    try {
      const alone = await measureFfmpegAlone(sim, channels, seconds, path.join(dir, 'alone'));
      for (const ingest of ['ffmpeg', 'native'] as const) {
        const videoOnly = await measureWorkers(sim, channels, seconds, path.join(dir, `${ingest}-video`), null, ingest);
        const withFrames = await measureWorkers(sim, channels, seconds, path.join(dir, `${ingest}-frames`), { mode: 'keyframes' }, ingest);
        rows.push({
          channels, seconds, ingest,
          video_only_cpu_s_per_channel_min: perChannelMin(videoOnly.cpu, channels, seconds),
          with_frames_cpu_s_per_channel_min: perChannelMin(withFrames.cpu, channels, seconds),
          ffmpeg_alone_cpu_s_per_channel_min: perChannelMin(alone, channels, seconds),
          ratio: +(videoOnly.cpu / alone).toFixed(3),
          frames_per_channel_s: +(withFrames.frames / channels / seconds).toFixed(2),
          node_rss_mb: videoOnly.rssMb,
          load_average: loadavg().map((l) => +l.toFixed(2)),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** Frames for analysis from keyframes only (the default) against decoding every frame and keeping 1 fps, camera workers included. */
export async function benchKeyframeDecode(sim: DvrSimProcess, channels: number, seconds: number): Promise<{ channels: number; keyframe_cpu_s_per_channel_min: number; full_decode_cpu_s_per_channel_min: number; ratio: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
  try {
    const keyframe = await measureWorkers(sim, channels, seconds, path.join(dir, 'k'), { mode: 'keyframes' });
    const full = await measureWorkers(sim, channels, seconds, path.join(dir, 'f'), { mode: 'fps', fps: 1 });
    return {
      channels,
      keyframe_cpu_s_per_channel_min: perChannelMin(keyframe.cpu, channels, seconds),
      full_decode_cpu_s_per_channel_min: perChannelMin(full.cpu, channels, seconds),
      ratio: +(keyframe.cpu / full.cpu).toFixed(3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
