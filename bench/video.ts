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
import { descendantPids, processCpuSeconds, sumCpu } from './proc-cpu.ts';
import { latestThreadHeaps, memoryOf, pssByMapping, type ProcessMemory, type ThreadHeap } from './proc-mem.ts';
import { peerBinary, peerInstalled, PEERS, startPeer, streamName, type PeerName, type RunningPeer } from './peers.ts';
import { benchLiveLatency, benchPageUrl, measureLiveServer, type LiveLatencyReport, type LiveServer, type LiveTarget, type VigilLiveOptions } from './webrtc-latency.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface VideoBenchOptions {
  channels: number;
  /** CPU measurement window */
  seconds: number;
  /** how long the one box runs before its memory is read */
  footprintWarmupSeconds: number;
  latencySamples: number;
  /** players per transport, the samples split between them */
  latencySessions: number;
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
  footprint: (Memory & { with_frames?: Memory; node_cpu_s_per_min?: number; node_pss_by_mapping_mb?: Record<string, number>; threads?: ThreadHeap[]; parts?: Record<string, FootprintPart>; warmup_s?: number; what: string }) | { reason: string };
}

/** The one box run once with a part switched off. */
export interface FootprintPart {
  what: string;
  node_rss_mb: number;
  node_pss_mb: number;
  rss_mb_total: number;
  pss_mb_total: number;
  /** Node's PSS with analysis on every camera minus this run's: what the part costs */
  node_pss_saved_mb: number;
  threads: ThreadHeap[];
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

/**
 * Parts of the one box switched off through its configuration, one run each: what Node's memory
 * drops by without a part is what that part costs (threads share one process, so /proc alone
 * cannot tell).
 */
const FOOTPRINT_PARTS: Record<string, { what: string; cameras?: number; config: Record<string, unknown> }> = {
  one_detector_worker: { what: 'detection.workers: 1 instead of one per core', config: { detection: { workers: 1 } } },
  no_faces: { what: 'faces.enabled: false (no face worker)', config: { faces: { enabled: false } } },
  no_detection: { what: 'detection.enabled: false (no detector workers, no face stage)', config: { detection: { enabled: false } } },
  no_cameras: { what: 'no cameras: the roles, database and models alone', cameras: 0, config: {} },
};

interface OneBox {
  memory: Memory;
  /** CPU seconds per minute of the Node process (all its threads) over the warm-up: what memory settings cost in GC */
  node_cpu_s_per_min: number;
  node_pss_by_mapping_mb: Record<string, number>;
  threads: ThreadHeap[];
}

/** `vigil run` as a user runs it, all roles, on `cameras` simulator cameras (analysis on unless `config` says otherwise); memory of every process and the heap of every Node thread after the warm-up. */
async function runOneBox(sim: DvrSimProcess, o: VideoBenchOptions, cameras: number, config: Record<string, unknown> = {}): Promise<OneBox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-video-onebox-'));
  const configFile = path.join(dir, 'vigil.yaml');
  const port = await freePort();
  // JSON is YAML
  writeFileSync(configFile, JSON.stringify({
    sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: Array.from({ length: cameras }, (_, i) => ({ id: `cam_${i + 1}`, dvr: 'sim', channel: i + 1 })) }],
    storage: { data_dir: dir }, api: { port }, ...config,
  }));
  const logFile = path.join(dir, 'run.log');
  const heapFile = path.join(dir, 'thread-heaps.jsonl');
  const out = openSync(logFile, 'w');
  // its own process group: its ffmpeg children end with it whatever happens
  const child = spawn(process.execPath, ['--require', path.join(REPO_ROOT, 'bench/thread-heap-probe.cjs'), path.join(REPO_ROOT, 'bin/vigil.js'), 'run', '--config', configFile], {
    cwd: REPO_ROOT, detached: true, stdio: ['ignore', out, out], env: { ...process.env, VIGIL_HEAP_PROBE_FILE: heapFile },
  });
  closeSync(out);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const pid = child.pid!;
    await until('the one box started', 120_000, async () => {
      if (child.exitCode !== null) throw new Error(`vigil run exited ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      return (await fetch(`http://127.0.0.1:${port}/health/startup`).then((r) => r.ok, () => false)) || undefined;
    });
    const cpu0 = processCpuSeconds(pid);
    await sleep(o.footprintWarmupSeconds * 1000);
    const nodeCpu = +((processCpuSeconds(pid) - cpu0) / (o.footprintWarmupSeconds / 60)).toFixed(2);
    return { memory: memoryOf([pid, ...descendantPids(pid)]), node_cpu_s_per_min: nodeCpu, node_pss_by_mapping_mb: pssByMapping(pid), threads: latestThreadHeaps(readFileSync(heapFile, 'utf8')) };
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    const killer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names of the parts the footprint can be measured without. */
export const FOOTPRINT_PART_NAMES = Object.keys(FOOTPRINT_PARTS);

/** The one box with analysis on every channel, then once without each part (FOOTPRINT_PARTS, or those named in `parts`). */
export async function vigilFootprint(sim: DvrSimProcess, o: VideoBenchOptions, only: readonly string[] = FOOTPRINT_PART_NAMES): Promise<ServerReport['footprint']> {
  console.error(`video: the one box, ${o.channels} cameras with analysis; memory read ${o.footprintWarmupSeconds} s after it started`);
  const full = await runOneBox(sim, o, o.channels);
  const node = (m: Memory): ProcessMemory => m.processes[0]!;
  const parts: Record<string, FootprintPart> = {};
  for (const [name, part] of Object.entries(FOOTPRINT_PARTS).filter(([n]) => only.includes(n))) {
    console.error(`video: the one box without a part: ${part.what}`);
    const without = await runOneBox(sim, o, part.cameras ?? o.channels, part.config);
    parts[name] = {
      what: part.what,
      node_rss_mb: node(without.memory).rss_mb, node_pss_mb: node(without.memory).pss_mb, rss_mb_total: without.memory.rss_mb_total, pss_mb_total: without.memory.pss_mb_total,
      node_pss_saved_mb: +(node(full.memory).pss_mb - node(without.memory).pss_mb).toFixed(1),
      threads: without.threads,
    };
  }
  return {
    ...full.memory,
    node_cpu_s_per_min: full.node_cpu_s_per_min,
    node_pss_by_mapping_mb: full.node_pss_by_mapping_mb,
    threads: full.threads,
    parts,
    warmup_s: o.footprintWarmupSeconds,
    what: `vigil run, all roles, ${o.channels} cameras with analysis`,
  };
}

/** A peer on the marked simulator, played through the bench page (its WHEP and HLS URLs). */
function peerLiveServer(name: PeerName): (sim: DvrSim, dir: string) => Promise<LiveServer> {
  return async (sim, dir) => {
    // a stream per channel, as Vigil has a camera per channel; the one watched is the first
    const peer = await startPeer(name, { sources: Array.from({ length: sim.channels }, (_, i) => sim.url(i + 1)), dir, frames: false });
    const stream = streamName(0);
    const page = (endpoint: { url: string } | { reason: string }, transport: 'webrtc' | 'hls' | 'll-hls'): LiveTarget => ('url' in endpoint ? { page: benchPageUrl(endpoint.url, transport) } : endpoint);
    return {
      targets: { webrtc: page(peer.whep(stream), 'webrtc'), hls: page(peer.hls(stream), 'hls'), llHls: page(peer.llHls(stream), 'll-hls'), whep: peer.whep(stream) },
      stop: () => peer.stop(),
    };
  };
}

/** The footprint part alone, on a simulator of its own, with the load average around it (another run on the machine shows there). */
export async function benchFootprint(o: VideoBenchOptions, parts: readonly string[]): Promise<Record<string, unknown>> {
  const unknown = parts.filter((p) => !FOOTPRINT_PART_NAMES.includes(p));
  if (unknown.length) throw new Error(`unknown footprint part ${unknown.join(', ')}: one of ${FOOTPRINT_PART_NAMES.join(', ')}`);
  const loadStart = loadAverage();
  const sim = await spawnDvrSim({ channels: o.channels });
  try {
    const footprint = await vigilFootprint(sim, o, parts);
    return { channels: o.channels, load_average: { start: loadStart, end: loadAverage() }, footprint };
  } finally {
    await sim.stop();
  }
}

const latencyOptions = (o: Pick<VideoBenchOptions, 'latencySamples' | 'latencySessions' | 'viewers'>) => ({ samples: o.latencySamples, sessions: o.latencySessions, viewers: o.viewers });

/** The peers whose binaries are built, those missing, and every version measured. */
function peersPresent(): { peers: PeerName[]; missing: PeerName[]; versions: Record<string, string> } {
  const peers = (Object.keys(PEERS) as PeerName[]).filter(peerInstalled);
  const missing = (Object.keys(PEERS) as PeerName[]).filter((p) => !peerInstalled(p));
  if (missing.length) console.error(`video: ${missing.join(', ')} not in .cache/bin (npm run bench:peers:install): measuring without`);
  const versions: Record<string, string> = { node: process.version, ffmpeg: versionOf('ffmpeg', ['-version']) };
  for (const p of peers) versions[p] = versionOf(peerBinary(p), p === 'go2rtc' ? ['-version'] : ['--version']);
  return { peers, missing, versions };
}

/** The live latency part of benchVideo alone: Vigil and each peer, one after the other, in one run. */
export async function benchVideoLatency(o: Pick<VideoBenchOptions, 'latencySamples' | 'latencySessions' | 'viewers'> & VigilLiveOptions & { channels: number }): Promise<Record<string, unknown>> {
  const loadStart = loadAverage();
  const { peers, missing, versions } = peersPresent();
  const latency = { ...latencyOptions(o), channels: o.channels };
  console.error(`video: Vigil live latency (${o.channels} cameras, ingest ${o.ingest ?? 'as configured by default'})`);
  const servers: Record<string, LiveLatencyReport> = { vigil: await benchLiveLatency({ ...latency, ingest: o.ingest }) };
  for (const name of peers) {
    console.error(`video: ${name} live latency`);
    servers[name] = await measureLiveServer(peerLiveServer(name), latency);
  }
  return { ...latency, ingest: o.ingest ?? 'default', load_average: { start: loadStart, end: loadAverage() }, versions, peers_missing: missing, servers };
}

export async function benchVideo(o: VideoBenchOptions): Promise<Record<string, unknown>> {
  const loadStart = loadAverage();
  const { peers, missing, versions } = peersPresent();

  const servers: Record<string, ServerReport> = {};
  const latency = latencyOptions(o);
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
