import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/core/log.ts';
import { ensureSample } from '../src/dvr-sim/sample.ts';
import type { TimedAccessUnit } from '../src/media/feed/timed-access-unit.ts';
import { parseH264, type H264Clip } from '../src/media/h264.ts';
import { TsSegmentWriter } from '../src/media/recording/ts-segment-writer.ts';

export interface TsWriterBench {
  channels: number;
  seconds: number;
  segment_seconds: number;
  /** this process while writers mux and write every channel's frames (the paced feed included) */
  cpu_s_per_channel_min: number;
  /** the same paced feed with no writer: what of the above is the harness */
  feed_only_cpu_s_per_channel_min: number;
  /** the writers' share: the difference of the two */
  writer_cpu_s_per_channel_min: number;
  bytes_per_channel_s: number;
  segments: number;
  dropped_frames: number;
  load_average: { start: number[]; end: number[] };
}

const FRAME_MS = 40;
const FRAME_TICKS = 3600;
const round = (n: number, d = 3): number => +n.toFixed(d);

/**
 * Feeds `channels` writers the sample's main stream at 25 fps each, one frame per channel per
 * 40 ms tick as cameras send them, for `seconds`; returns this process's CPU per channel-minute.
 * The frames come parsed: depacketising RTP is the RTSP client's cost, not the writer's.
 */
async function paced(clip: H264Clip, channels: number, seconds: number, sink: ((au: TimedAccessUnit, channel: number) => void) | null): Promise<number> {
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; Date.now() - start < seconds * 1000; i++) {
    const wait = start + i * FRAME_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const frame = clip.frames[i % clip.frames.length]!;
    for (let c = 0; c < channels; c++) {
      const au: TimedAccessUnit = { ...frame, pts90k: 1e9 + c * 7e6 + i * FRAME_TICKS, receivedAt: Date.now(), ...(frame.idr ? { parameterSets: { sps: clip.sps, pps: clip.pps } } : {}) };
      sink?.(au, c);
    }
  }
  const used = process.cpuUsage(cpu0);
  return (used.user + used.system) / 1e6 / channels / ((Date.now() - start) / 60_000);
}

/** CPU of recording `channels` cameras with TsSegmentWriter into a temp dir (removed after), with the load average around it. */
export async function benchTsWriter(o: { channels?: number; seconds?: number; segmentSeconds?: number; dir?: string } = {}): Promise<TsWriterBench> {
  const { channels = 8, seconds = 30, segmentSeconds = 10 } = o;
  const log = createLogger('warn');
  const clip = parseH264(readFileSync((await ensureSample(undefined, log, { download: false })).main));
  const dir = await mkdtemp(path.join(o.dir ?? tmpdir(), 'vigil-ts-bench-'));
  const loadStart = os.loadavg();
  try {
    const feedOnly = await paced(clip, channels, Math.min(seconds, 10), null);
    let segments = 0;
    let bytes = 0;
    const writers = Array.from({ length: channels }, (_, c) => {
      const w = new TsSegmentWriter({ cameraId: `bench_${c + 1}`, recordingsDir: dir, segmentSeconds, logger: log });
      w.on('segment', (s) => {
        segments++;
        bytes += s.bytes;
      });
      return w;
    });
    const started = Date.now();
    const cpu = await paced(clip, channels, seconds, (au, c) => writers[c]!.push(au));
    await Promise.all(writers.map((w) => w.close()));
    const elapsed = (Date.now() - started) / 1000;
    return {
      channels, seconds, segment_seconds: segmentSeconds,
      cpu_s_per_channel_min: round(cpu),
      feed_only_cpu_s_per_channel_min: round(feedOnly),
      writer_cpu_s_per_channel_min: round(Math.max(0, cpu - feedOnly)),
      bytes_per_channel_s: Math.round(bytes / channels / elapsed),
      segments,
      dropped_frames: writers.reduce((n, w) => n + w.droppedFrames, 0),
      load_average: { start: loadStart.map((n) => round(n, 2)), end: os.loadavg().map((n) => round(n, 2)) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
