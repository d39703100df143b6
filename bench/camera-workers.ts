import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResolvedCamera } from '../src/config/load.ts';
import { configSchema } from '../src/config/schema.ts';
import { createLogger } from '../src/core/log.ts';
import type { DvrSimProcess } from '../src/dvr-sim/process.ts';
import { CameraWorker } from '../src/media/camera-worker.ts';
import { buildFfmpegArgs, dayDir, SEGMENT_LIST_FD, segmentPattern } from '../src/media/ffmpeg-args.ts';
import { childPids, sumCpu } from './proc-cpu.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const WARMUP_MS = 4000;

export interface WorkerBenchRow {
  channels: number;
  seconds: number;
  /** camera workers: ffmpeg children + this Node process (splitting JPEGs, status, events) */
  workers_cpu_s_per_channel_min: number;
  /** the same ffmpeg command alone, JPEGs to /dev/null */
  ffmpeg_alone_cpu_s_per_channel_min: number;
  ratio: number;
  frames_per_channel_s: number;
}

const camera = (sim: DvrSimProcess, channel: number): ResolvedCamera => ({
  id: `bench_${channel}`, name: `bench ${channel}`, siteId: 'bench', channel, stream: 0, url: sim.url(channel, 0), retentionDays: 1, detect: false,
});

/**
 * CPU of running camera workers: their ffmpeg children and this Node process (splitting JPEGs,
 * status, events), measured for `seconds` after a warm-up; `frames` counts the JPEGs delivered
 * (none counted without `countFrames`: then nothing listens for frames).
 */
export async function measureWorkerCpu(workers: CameraWorker[], seconds: number, o: { countFrames: boolean } = { countFrames: true }): Promise<{ cpu: number; frames: number }> {
  let frames = 0;
  for (const w of workers) {
    if (o.countFrames) w.on('frame', () => frames++);
    w.start();
  }
  try {
    await sleep(WARMUP_MS);
    const pids = childPids(process.pid, 'ffmpeg');
    const t0 = { children: sumCpu(pids), self: process.cpuUsage(), frames };
    await sleep(seconds * 1000);
    const self = process.cpuUsage(t0.self);
    return { cpu: sumCpu(pids) - t0.children + (self.user + self.system) / 1e6, frames: frames - t0.frames };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

function measureWorkers(sim: DvrSimProcess, channels: number, seconds: number, dir: string): Promise<{ cpu: number; frames: number }> {
  const stream = configSchema.parse({}).stream;
  const workers = Array.from({ length: channels }, (_, i) => new CameraWorker({ camera: camera(sim, i + 1), stream, segmentSeconds: 10, recordingsDir: dir, logger: createLogger('warn') }));
  return measureWorkerCpu(workers, seconds);
}

async function measureFfmpegAlone(sim: DvrSimProcess, channels: number, seconds: number, dir: string, extra: (args: string[]) => string[] = (a) => a): Promise<number> {
  const children: ChildProcess[] = [];
  // 'ignore' opens /dev/null only for fds 0-2 and leaves fd 3 closed in the child: ffmpeg's RTSP
  // socket then takes fd 3 and the segment list is written into the RTSP connection
  const segmentList = openSync('/dev/null', 'w');
  const stdio = Array.from({ length: SEGMENT_LIST_FD + 1 }, (_, fd) => (fd === SEGMENT_LIST_FD ? segmentList : 'ignore'));
  for (let i = 1; i <= channels; i++) {
    const cam = camera(sim, i);
    mkdirSync(path.join(dir, cam.id, dayDir(new Date())), { recursive: true });
    mkdirSync(path.join(dir, cam.id, dayDir(new Date(Date.now() + 86_400_000))), { recursive: true });
    const args = extra(buildFfmpegArgs({ url: cam.url, segmentPattern: segmentPattern(dir, cam.id, 'alone'), segmentSeconds: 10, rtspTimeoutSeconds: 10, jpegQuality: 4 }));
    children.push(spawn('ffmpeg', args, { stdio, env: { ...process.env, TZ: 'UTC' } }));
  }
  await sleep(WARMUP_MS);
  const pids = children.map((c) => c.pid!);
  const t0 = sumCpu(pids);
  await sleep(seconds * 1000);
  const cpu = sumCpu(pids) - t0;
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGINT')))));
  closeSync(segmentList);
  return cpu;
}

export async function benchCameraWorkers(sim: DvrSimProcess, channelCounts: number[], seconds: number): Promise<WorkerBenchRow[]> {
  const rows: WorkerBenchRow[] = [];
  for (const channels of channelCounts) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
    try {
      const w = await measureWorkers(sim, channels, seconds, path.join(dir, 'workers'));
      const alone = await measureFfmpegAlone(sim, channels, seconds, path.join(dir, 'alone'));
      const perChannelMin = (cpu: number) => +(cpu / channels / (seconds / 60)).toFixed(3);
      rows.push({
        channels, seconds,
        workers_cpu_s_per_channel_min: perChannelMin(w.cpu),
        ffmpeg_alone_cpu_s_per_channel_min: perChannelMin(alone),
        ratio: +(w.cpu / alone).toFixed(3),
        frames_per_channel_s: +(w.frames / channels / seconds).toFixed(2),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** Keyframe-only JPEG extraction (what Vigil does) against decoding every frame and keeping 1 fps. */
export async function benchKeyframeDecode(sim: DvrSimProcess, channels: number, seconds: number): Promise<{ channels: number; keyframe_cpu_s_per_channel_min: number; full_decode_cpu_s_per_channel_min: number; ratio: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
  try {
    const keyframe = await measureFfmpegAlone(sim, channels, seconds, path.join(dir, 'k'));
    const full = await measureFfmpegAlone(sim, channels, seconds, path.join(dir, 'f'), (args) => {
      const a = args.filter((x, i) => x !== '-skip_frame' && args[i - 1] !== '-skip_frame');
      const at = a.indexOf('-fps_mode');
      a.splice(at, 2, '-vf', 'fps=1');
      return a;
    });
    const perMin = (cpu: number) => +(cpu / channels / (seconds / 60)).toFixed(3);
    return { channels, keyframe_cpu_s_per_channel_min: perMin(keyframe), full_decode_cpu_s_per_channel_min: perMin(full), ratio: +(keyframe / full).toFixed(3) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

