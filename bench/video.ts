/**
 * The video path side by side with the media servers a user would pick instead (bench/peers.ts),
 * one server after another on the same simulator channels, never two at once:
 * - ingest: CPU per channel-minute of recording + live (video_only) and with keyframe JPEGs for
 *   analysis (with_frames), every process counted;
 * - latency: WebRTC, HLS and LL-HLS glass to glass in Chromium, and a new WebRTC viewer's first frame;
 * - footprint: RSS and PSS of every process (for Vigil the one box as a user runs it, with analysis).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { spawnDvrSim, type DvrSimProcess } from '../src/dvr-sim/process.ts';
import type { DvrSim } from '../src/dvr-sim/server.ts';
import { CameraWorker } from '../src/media/camera-worker.ts';
import { LivePlanner } from '../src/media/live/plan.ts';
import { freePort } from '../test/fixtures/free-port.ts';
import { until } from '../test/fixtures/until.ts';
import { followFeed } from '../src/media/llhls/packager.ts';
import { measureWorkerCpu, WARMUP_MS } from './camera-workers.ts';
import { descendantPids, sumCpu } from './proc-cpu.ts';
import { memoryOf, pssByMapping } from './proc-mem.ts';
import { peerBinary, peerInstalled, PEERS, startPeer, streamName, type PeerName, type RunningPeer } from './peers.ts';
import { benchLiveLatency, benchPageUrl, measureLiveServer, type LiveLatencyReport, type LiveServer, type LiveTarget } from './webrtc-latency.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface VideoBenchOptions {
  channels: number;
  /** CPU measurement window */
  seconds: number;
  /** how long the one box runs before its memory is read */
  footprintWarmupSeconds: number;
  latencySamples: number;
  /** new WebRTC viewers timed for first_frame_ms */
  viewers: number;
}

type Memory = ReturnType<typeof memoryOf>;

export interface IngestCpu {
  cpu_s_per_channel_min: { video_only: number | null; with_frames: number | null };
  /** JPEGs per channel-second delivered for analysis (Vigil) */
  frames_per_channel_s?: number;
  /** why a measurement is null */
  reason?: string;
}

export interface ServerReport {
  version: string;
  ingest: IngestCpu;
  latency: LiveLatencyReport;
  footprint: (Memory & { with_frames?: Memory; node_pss_by_mapping_mb?: Record<string, number>; warmup_s?: number; what: string }) | { reason: string };
}

const failed = (err: unknown): { reason: string } => ({ reason: err instanceof Error ? err.message : String(err) });
const perChannelMin = (cpu: number, channels: number, seconds: number): number => +(cpu / channels / (seconds / 60)).toFixed(3);
const loadAverage = (): number[] => os.loadavg().map((l) => +l.toFixed(2));

function versionOf(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** Vigil's per-camera machinery as the edge role runs it: a camera worker per camera with the live outputs the one box plans (HLS, the feed for WebRTC and frames, LL-HLS packaged from it). */
async function vigilIngest(sim: DvrSimProcess, o: VideoBenchOptions, detect: boolean): Promise<{ cpu: number; frames: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-video-'));
  try {
    const loaded = resolveConfig({
      sites: [{ id: 'bench', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: Array.from({ length: o.channels }, (_, i) => ({ id: `bench_${i + 1}`, dvr: 'sim', channel: i + 1, detect })) }],
      storage: { data_dir: dir },
    }, 'video-bench', {});
    const { config, paths } = loaded;
    const planner = await LivePlanner.create(loaded);
    const logger = createLogger('warn');
    const workers: CameraWorker[] = [];
    for (const camera of loaded.cameras) {
      const live = await planner.plan(camera);
      const base = { stream: config.stream, segmentSeconds: config.recording.segment_seconds, recordingsDir: paths.recordingsDir, logger };
      const main = new CameraWorker({ ...base, camera, live: live.main });
      if (live.hlsDir && main.feed) followFeed(main.feed, camera.id, logger);
      workers.push(main);
      if (live.sub) workers.push(new CameraWorker({ ...base, camera: { ...camera, url: live.sub.url }, liveOnly: true, live: { hlsDir: live.sub.hlsDir } }));
    }
    // frames are decoded only for a camera that is analysed
    return await measureWorkerCpu(workers, o.seconds, { frames: detect });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function vigilIngestCpu(sim: DvrSimProcess, o: VideoBenchOptions): Promise<IngestCpu> {
  console.error(`video: Vigil ingest, ${o.channels} channels, video only`);
  const videoOnly = await vigilIngest(sim, o, false);
  console.error(`video: Vigil ingest, ${o.channels} channels, with frames for analysis`);
  const withFrames = await vigilIngest(sim, o, true);
  return {
    cpu_s_per_channel_min: { video_only: perChannelMin(videoOnly.cpu, o.channels, o.seconds), with_frames: perChannelMin(withFrames.cpu, o.channels, o.seconds) },
    frames_per_channel_s: +(withFrames.frames / o.channels / o.seconds).toFixed(2),
  };
}

/** A peer on every channel: CPU of its processes over the window, and their memory at its end. */
async function peerIngest(name: PeerName, sim: DvrSimProcess, o: VideoBenchOptions, frames: boolean): Promise<{ cpu: number; memory: Memory }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `vigil-video-${name}-`));
  let peer: RunningPeer | undefined;
  try {
    peer = await startPeer(name, { sources: Array.from({ length: o.channels }, (_, i) => sim.url(i + 1)), dir, frames });
    await sleep(WARMUP_MS);
    const pids = peer.pids();
    const t0 = sumCpu(pids);
    await sleep(o.seconds * 1000);
    const cpu = sumCpu(pids) - t0;
    const memory = memoryOf(pids);
    // a process that ended in the window took its CPU time with it
    if (memory.processes.length < pids.length) throw new Error(`${pids.length - memory.processes.length} of ${name}'s processes ended during the measurement; its log: ${peer.log().slice(-500)}`);
    return { cpu, memory };
  } finally {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `vigil run` as a user runs it, all roles, on `channels` simulator cameras with analysis; memory of every process after the warm-up. */
async function vigilFootprint(sim: DvrSimProcess, o: VideoBenchOptions): Promise<ServerReport['footprint']> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-video-onebox-'));
  const configFile = path.join(dir, 'vigil.yaml');
  // JSON is YAML
  writeFileSync(configFile, JSON.stringify({
    sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: Array.from({ length: o.channels }, (_, i) => ({ id: `cam_${i + 1}`, dvr: 'sim', channel: i + 1 })) }],
    storage: { data_dir: dir }, api: { port: await freePort() },
  }));
  const logFile = path.join(dir, 'run.log');
  const out = openSync(logFile, 'w');
  // its own process group: its ffmpeg children end with it whatever happens
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/vigil.js'), 'run', '--config', configFile], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const pid = child.pid!;
    await until(`the one box's ${o.channels} ffmpeg`, 60_000, () => {
      if (child.exitCode !== null) throw new Error(`vigil run exited ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      return descendantPids(pid).length >= o.channels ? true : undefined;
    });
    console.error(`video: the one box runs; memory read after ${o.footprintWarmupSeconds} s`);
    await sleep(o.footprintWarmupSeconds * 1000);
    return {
      ...memoryOf([pid, ...descendantPids(pid)]),
      // /proc cannot split Node's threads (main, detector and face workers, PGlite) apart, and /metrics has no nodejs_heap_* (prom-client's default metrics are not registered)
      node_pss_by_mapping_mb: pssByMapping(pid),
      warmup_s: o.footprintWarmupSeconds,
      what: `vigil run, all roles, ${o.channels} cameras with analysis`,
    };
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    const killer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A peer on the marked simulator, played through the bench page (its WHEP and HLS URLs). */
function peerLiveServer(name: PeerName): (sim: DvrSim, dir: string) => Promise<LiveServer> {
  return async (sim, dir) => {
    const peer = await startPeer(name, { sources: [sim.url(1)], dir, frames: false });
    const stream = streamName(0);
    const page = (endpoint: { url: string } | { reason: string }, transport: 'webrtc' | 'hls' | 'll-hls'): LiveTarget => ('url' in endpoint ? { page: benchPageUrl(endpoint.url, transport) } : endpoint);
    return {
      targets: { webrtc: page(peer.whep(stream), 'webrtc'), hls: page(peer.hls(stream), 'hls'), llHls: page(peer.llHls(stream), 'll-hls'), whep: peer.whep(stream) },
      stop: () => peer.stop(),
    };
  };
}

export async function benchVideo(o: VideoBenchOptions): Promise<Record<string, unknown>> {
  const loadStart = loadAverage();
  const peers = (Object.keys(PEERS) as PeerName[]).filter(peerInstalled);
  const missing = (Object.keys(PEERS) as PeerName[]).filter((p) => !peerInstalled(p));
  if (missing.length) console.error(`video: ${missing.join(', ')} not in .cache/bin (npm run bench:peers:install): measuring without`);
  const versions: Record<string, string> = { node: process.version, ffmpeg: versionOf('ffmpeg', ['-version']) };
  for (const p of peers) versions[p] = versionOf(peerBinary(p), p === 'go2rtc' ? ['-version'] : ['--version']);

  const servers: Record<string, ServerReport> = {};
  const latency = { samples: o.latencySamples, viewers: o.viewers };
  const sim = await spawnDvrSim({ channels: o.channels });
  try {
    const ingest = await vigilIngestCpu(sim, o);
    const footprint = await vigilFootprint(sim, o);
    console.error('video: Vigil live latency');
    servers.vigil = { version: versionOf('git', ['-C', REPO_ROOT, 'describe', '--always', '--dirty']), ingest, latency: await benchLiveLatency(latency), footprint };
    for (const name of peers) {
      console.error(`video: ${name} ingest, ${o.channels} channels, video only, then with frames`);
      const videoOnly = await peerIngest(name, sim, o, false).catch(failed);
      const withFrames = await peerIngest(name, sim, o, true).catch(failed);
      console.error(`video: ${name} live latency`);
      const cpu = (r: { cpu: number } | { reason: string }) => ('cpu' in r ? perChannelMin(r.cpu, o.channels, o.seconds) : null);
      const reasons = [videoOnly, withFrames].flatMap((r) => ('reason' in r ? [r.reason] : []));
      servers[name] = {
        version: PEERS[name].version,
        ingest: { cpu_s_per_channel_min: { video_only: cpu(videoOnly), with_frames: cpu(withFrames) }, ...(reasons.length ? { reason: reasons.join('; ') } : {}) },
        latency: await measureLiveServer(peerLiveServer(name), latency),
        footprint: 'memory' in videoOnly
          ? { ...videoOnly.memory, ...('memory' in withFrames ? { with_frames: withFrames.memory } : {}), what: `${name}${name === 'go2rtc' ? ' + an ffmpeg recorder per channel' : ''}; with_frames adds an ffmpeg keyframe-JPEG reader per channel` }
          : { reason: videoOnly.reason },
      };
    }
  } finally {
    await sim.stop();
  }
  return {
    channels: o.channels, seconds_per_measurement: o.seconds, load_average: { start: loadStart, end: loadAverage() }, versions,
    peers_missing: missing, servers,
  };
}
