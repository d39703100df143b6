import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.ts';
import { credentialsHint, type ResolvedCamera } from '../config/load.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import { eventLoopWatch } from '../core/event-loop.ts';
import { rootLogger, type Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import type { FrameMessage } from '../core/types.ts';
import { Backoff } from '../core/backoff.ts';
import { classifyExit, classifyProbe, isProblemLine, refineWithProbe, type Failure } from './failure.ts';
import { CameraFeed } from './feed/camera-feed.ts';
import { decodeKeyframe, FrameDecoder, type DecodedFrame } from './feed/frame-decoder.ts';
import type { TimedAccessUnit } from './feed/timed-access-unit.ts';
import { buildFfmpegArgs, buildLiveOnlyArgs, dayDir, parseSegmentPath, SEGMENT_LIST_FD, segmentPattern, spawnTag, type LiveOutputs, type RtpOutput } from './ffmpeg-args.ts';
import { NativeIngest } from './native/ingest.ts';
import { probeRtsp } from './rtsp-probe.ts';
import { parseVideoStreamFps } from './stream-info.ts';

export type WorkerState = CameraStatus['state'];

/** The API's CameraStatus (lastError redacted, naming the camera and the cause) plus the cause's kind. */
export interface WorkerStatus extends CameraStatus {
  cameraId: string;
  lastErrorKind: Failure['kind'] | null;
}

export interface SegmentOpened {
  cameraId: string;
  /** relative to the recordings dir */
  path: string;
  startTime: Date;
}

export interface SegmentClosed extends SegmentOpened {
  endTime: Date;
  bytes: number;
}

/** Recording stopped: from `start` until the next segment opens there is no video. */
export interface GapStart { cameraId: string; start: Date; cause: string; kind: Failure['kind'] | 'stopped' }
export interface GapEnd { cameraId: string; end: Date }

export interface CameraWorkerEvents {
  frame: [FrameMessage];
  segmentOpened: [SegmentOpened];
  segment: [SegmentClosed];
  /** an empty segment file (ffmpeg killed right after opening it) was deleted */
  segmentDiscarded: [{ cameraId: string; path: string }];
  gap: [GapStart];
  gapEnd: [GapEnd];
  status: [WorkerStatus];
}

export interface CameraWorkerOptions {
  camera: ResolvedCamera;
  /** the alert threshold is not the worker's business; the ingest defaults to ffmpeg */
  stream: Omit<Config['stream'], 'offline_alert_seconds' | 'ingest'> & { ingest?: Config['stream']['ingest'] };
  segmentSeconds: number;
  recordingsDir: string;
  ffmpegPath?: string;
  /** streaming this long without failing resets the backoff (default 10 s) */
  healthyAfterMs?: number;
  /** stop(): SIGINT first so the open segment is finalised, SIGKILL after this (default 5 s) */
  stopTimeoutMs?: number;
  random?: () => number;
  logger?: Logger;
  live?: WorkerLiveOptions;
  /** only the live outputs: no recording, no JPEGs (a sub-stream for grid views) */
  liveOnly?: boolean;
}

export interface WorkerLiveOptions {
  /** live HLS into this scratch dir (emptied at each start); undefined: no HLS */
  hlsDir?: string;
  /** where the camera's live feed arrives (RTP to 127.0.0.1:port, SDP at sdpPath); default: any free port, SDP in the temp dir */
  rtp?: RtpOutput;
}

/** A still of what the camera sees, decoded from its newest keyframe. */
export interface Snapshot extends DecodedFrame {
  /** when the keyframe arrived */
  at: Date;
}

/** Live HLS segment list size: ~6 s of 1 s segments, enough for a player to join */
const HLS_LIST_SIZE = 6;
const HLS_SEGMENT_SECONDS = 1;

const FPS_WINDOW_MS = 10_000;
/** a snapshot of a camera whose packets nobody wanted waits this long for an IDR (the thread's GOP comes at once; a GOP it could not keep, at the next keyframe) */
const SNAPSHOT_IDR_WAIT_MS = 5_000;
/** the same picture: a GOP sent again when packets resume brings its IDR as a new access unit */
const samePicture = (a: TimedAccessUnit, b: TimedAccessUnit): boolean =>
  a === b || (a.pts90k === b.pts90k && a.nals.length === b.nals.length && a.nals.every((n, i) => n.equals(b.nals[i]!)));
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const KILL_GRACE_MS = 2000;
const MAX_PROBLEM_LINES = 20;
const DAY_MS = 86_400_000;

/**
 * When a segment opened: now, unless this process read ffmpeg's announcement late (it was
 * blocked); then the wall-clock second ffmpeg put in the file name is closer to the truth.
 */
function openedAt(relPath: string, now: number): number {
  const named = parseSegmentPath(relPath)?.start.getTime();
  return named !== undefined && now - named > LATE_ANNOUNCEMENT_MS ? named : now;
}
const LATE_ANNOUNCEMENT_MS = 2000;
/** a segment starting this close to the previous one's end continues it */
const CONTIGUOUS_MS = 3000;

/** Every live ffmpeg child, killed if Node exits without stopping its workers (no orphans). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
}

/** One connection to the camera, whichever ingest holds it. */
interface RunBase {
  startedAt: number;
  lastProgressAt: number;
  exited: Promise<void>;
  healthyTimer?: NodeJS.Timeout;
}

/** A connection held by Vigil's own RTSP client, in the native ingest thread. */
interface NativeRun extends RunBase {
  kind: 'native';
  /** resolves `exited` */
  ended: () => void;
}

/** A connection held by an ffmpeg child. */
interface Run extends RunBase {
  kind: 'ffmpeg';
  child: ChildProcess;
  /** segments announced by ffmpeg and not yet in the segment list, by file name */
  open: Map<string, SegmentOpened>;
  /**
   * Segments listed as closed before their "Opening" line was read, by file name with their
   * duration. The list and stderr are separate pipes: after this process was blocked, it may read
   * one ahead of the other, and a segment must not be lost for that.
   */
  listedEarly: Map<string, number>;
  /** end of this run's last closed segment: the next one starts there (ffmpeg cuts without holes) */
  lastEnd?: number;
  /** segment closes in flight: the exit waits for them, so a gap never starts before its last segment ends */
  closing: Set<Promise<void>>;
  problems: string[];
  /** ffmpeg dumps its input before its outputs: until then a video stream line is the source's */
  dumpingInput: boolean;
  stalledSeconds?: number;
  watchdog: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
}

/**
 * Supervises one camera's connection (seed §4.2.1, §8.2; DESIGN §4), held by an ffmpeg or by
 * Vigil's own RTSP client (stream.ingest): every end is a failure (ffmpeg exits 0 when the server
 * dies), no progress for stall_seconds ends it, restarts back off exponentially with jitter, and
 * a cheap RTSP probe restarts at once when the source returns.
 */
export class CameraWorker extends EventEmitter<CameraWorkerEvents> {
  readonly cameraId: string;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private run: Run | NativeRun | null = null;
  /** this camera's handle on the native ingest thread (null: ffmpeg holds the camera) */
  private readonly native: NativeIngest | null;
  private state: WorkerState = 'stopped';
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  // Starts at the epoch milliseconds, so (camera_id, seq) stays increasing across process restarts at ≤ 1000 fps.
  private seq = Date.now();
  private frameTimes: number[] = [];
  private lastFrameAt: number | null = null;
  private reconnects = 0;
  private currentBackoffMs = 0;
  private lastError: Failure | null = null;
  private bitrateKbps = 0;
  /** frames per second the source sends, as its stream declares it (last connection) */
  private sourceFps: number | null = null;
  private gapAnnounced = false;
  private recordingSinceGap = false;
  /** end of the last closed segment: where a gap starts */
  private lastRecordedEnd: number | null = null;
  /** since when the camera has been failing (null while it streams), and the cause last warned about */
  private failingSince: number | null = null;
  private lastWarned: string | null = null;
  /** identifies the current backoff so a probe still in flight from an earlier one does nothing */
  private backoffRound = 0;
  /** the camera's H.264 as it arrives here (not for a live-only worker) */
  readonly feed: CameraFeed | null;
  private feedStarted: Promise<number> | null = null;
  /** decodes frames for analysis while they are wanted (setFrameDemand), holding the feed's claim */
  private decoder: { decoder: FrameDecoder; release: () => void } | null = null;
  private snapshotCache: { idr: TimedAccessUnit; snapshot: Promise<Snapshot> } | null = null;

  constructor(private readonly o: CameraWorkerOptions) {
    super();
    this.cameraId = o.camera.id;
    this.log = (o.logger ?? rootLogger).child({ component: 'camera-worker', camera_id: o.camera.id });
    eventLoopWatch.start();
    this.backoff = new Backoff({ initialMs: o.stream.backoff_initial_ms, maxMs: o.stream.backoff_max_ms, jitter: o.stream.backoff_jitter, random: o.random });
    const nativeIngest = o.stream.ingest === 'native';
    this.feed = o.liveOnly ? null : new CameraFeed({
      port: o.live?.rtp?.port ?? 0,
      sdpPath: o.live?.rtp?.sdpPath ?? path.join(tmpdir(), `vigil-${process.pid}-${o.camera.id}-${Date.now()}.sdp`),
      log: this.log,
      // the ingest thread sends packets only while something here uses them; ffmpeg's always arrive
      demandDriven: nativeIngest,
    });
    this.feed?.on('accessUnit', (au) => {
      const run = this.run;
      // the native ingest reports the stream's progress itself (its 'stats'), packets wanted here or not
      if (run?.kind === 'ffmpeg') this.onProgress(run, Date.now());
      this.decoder?.decoder.push(au);
    });
    this.feed?.on('sourceRestarted', () => this.decoder?.decoder.reset());
    // a sub-stream's worker writes live HLS only, which takes ffmpeg
    this.native = nativeIngest && this.feed ? this.nativeIngest(this.feed) : null;
  }

  private nativeIngest(feed: CameraFeed): NativeIngest {
    const native = new NativeIngest({
      cameraId: this.cameraId, url: this.o.camera.url, recordingsDir: this.o.recordingsDir, segmentSeconds: this.o.segmentSeconds,
      timeoutMs: this.o.stream.rtsp_timeout_seconds * 1000, stallMs: this.o.stream.stall_seconds * 1000, logLevel: this.log.level,
    });
    native.on('track', (codec) => feed.setSource(codec));
    native.on('resumed', () => feed.resume());
    native.on('rtp', (packet) => feed.receive(packet));
    feed.on('demand', (wanted) => native.setDemand(wanted));
    native.on('stats', (stats) => {
      this.sourceFps = stats.fps ?? this.sourceFps;
      const run = this.run;
      if (run?.kind === 'native' && stats.lastFrameAt !== null) this.onProgress(run, stats.lastFrameAt);
    });
    native.on('segmentOpened', (seg) => {
      if (this.run) this.run.lastProgressAt = Date.now();
      this.segmentStarted(seg);
    });
    native.on('segment', (seg) => this.segmentRecorded(seg));
    native.on('segmentDiscarded', (seg) => this.emit('segmentDiscarded', seg));
    // the disk failing stops recording, not the camera: live view and frames go on, and the writer
    // tries a new file at a later keyframe (its segmentOpened ends the gap)
    native.on('storageFailure', (failure) => {
      this.lastError = failure;
      this.announceGap(this.lastRecordedEnd ?? Date.now(), failure);
      this.emit('status', this.status());
    });
    native.on('close', (failure) => {
      const run = this.run;
      if (run?.kind === 'native') this.onNativeEnd(run, failure);
    });
    return native;
  }

  start(): void {
    if (this.state !== 'stopped' || this.stopping) return;
    if (!this.feed || this.native) return this.spawnRun();
    this.setState('starting');
    this.feedStarted ??= this.feed.start();
    this.feedStarted.then(() => {
      if (!this.stopping) this.spawnRun();
    }, (e: unknown) => this.fail(Date.now(), { kind: 'crashed', cause: `cannot receive the live feed: ${(e as Error).message}` }));
  }

  /**
   * Whether frames for analysis are wanted now (the camera is analysed, or something asks for
   * frames): only then does a decoder run, so a camera nobody analyses costs no decode.
   */
  setFrameDemand(wanted: boolean): void {
    if (!this.feed || wanted === (this.decoder !== null) || this.stopping) return;
    if (wanted) {
      const decoder = new FrameDecoder({
        rate: this.o.camera.analysis ?? { mode: 'keyframes' }, jpegQuality: this.o.stream.jpeg_quality, ffmpegPath: this.o.ffmpegPath,
        log: this.log.child({ part: 'frame-decoder' }), onFrame: (f) => this.onFrame(f),
      });
      this.decoder = { decoder, release: this.feed.claim('analysis') };
      this.log.info('decoding frames for analysis');
    } else {
      void this.endDecoding();
      this.frameTimes = [];
      this.log.info('no longer decoding frames');
    }
  }

  /**
   * The newest keyframe as a JPEG, decoded once per keyframe however many ask; rejects while none
   * has arrived. A camera whose packets nobody wants here is asked for them just long enough to
   * get its current GOP's IDR.
   */
  async snapshot(): Promise<Snapshot> {
    const idr = await this.currentIdr();
    if (!idr) throw new Error(`camera ${this.cameraId} has sent no keyframe yet (offline, or still connecting)`);
    if (!this.snapshotCache || !samePicture(this.snapshotCache.idr, idr)) {
      const snapshot = decodeKeyframe(idr, { jpegQuality: this.o.stream.jpeg_quality, ffmpegPath: this.o.ffmpegPath }).then((f) => ({ ...f, at: new Date(idr.receivedAt) }));
      this.snapshotCache = { idr, snapshot };
      // a failed decode is not kept: the next request tries again
      snapshot.catch(() => { if (this.snapshotCache?.snapshot === snapshot) this.snapshotCache = null; });
    }
    return this.snapshotCache!.snapshot;
  }

  private async currentIdr(): Promise<TimedAccessUnit | undefined> {
    const feed = this.feed;
    const held = feed?.latestIdr;
    if (held || !feed || !this.native || this.state !== 'streaming') return held;
    const release = feed.claim('snapshot');
    try {
      // the thread sends its current GOP first: the IDR is here at once, unless it kept none (starting, or a GOP too large)
      return await feed.nextIdr(SNAPSHOT_IDR_WAIT_MS);
    } finally {
      release();
    }
  }

  private endDecoding(): Promise<void> | undefined {
    const d = this.decoder;
    this.decoder = null;
    d?.release();
    return d?.decoder.stop();
  }

  /** Stops ffmpeg (SIGINT, then SIGKILL after stopTimeoutMs); resolves when it has exited. For good: a stopped worker does not start again. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearBackoffTimers();
    await this.endDecoding();
    const run = this.run;
    if (run?.kind === 'ffmpeg') {
      run.child.kill('SIGINT');
      run.killTimer ??= setTimeout(() => run.child.kill('SIGKILL'), this.o.stopTimeoutMs ?? 5000);
      await run.exited;
    } else if (run) {
      this.native!.disconnect();
      // a thread that does not close its last segment in time is ended (its session with it)
      const kill = setTimeout(() => void this.native!.terminate(), this.o.stopTimeoutMs ?? 5000);
      await run.exited;
      clearTimeout(kill);
    } else if (this.state !== 'stopped') {
      this.announceGap(Date.now(), { kind: 'stopped', cause: 'recording stopped' });
    }
    await this.native?.terminate();
    await this.feedStarted?.catch(() => {});
    this.feed?.stop();
    this.setState('stopped');
  }

  status(): WorkerStatus {
    const now = Date.now();
    this.frameTimes = this.frameTimes.filter((t) => t > now - FPS_WINDOW_MS);
    return {
      cameraId: this.cameraId,
      state: this.state,
      connected: this.state === 'streaming',
      lastFrameAt: iso(this.lastFrameAt),
      lastSegmentAt: iso(this.lastRecordedEnd),
      reconnects: this.reconnects,
      currentBackoffMs: this.state === 'backoff' ? this.currentBackoffMs : 0,
      lastError: this.lastError ? this.describe(this.lastError) : null,
      lastErrorKind: this.lastError?.kind ?? null,
      sourceFps: this.sourceFps,
      // JPEGs handed to analysis per second over the last 10 s (keyframes, or the camera's analysis fps); 0 while nothing analyses the camera
      analysisFps: Math.round((this.frameTimes.length / (FPS_WINDOW_MS / 1000)) * 100) / 100,
      // of the last closed segment
      bitrateKbps: this.bitrateKbps,
    };
  }

  /** The cause in words an installer can act on; a refused login names the variable to set. */
  private describe(f: Failure | { kind: 'stopped'; cause: string }): string {
    const name = this.o.camera.name !== this.cameraId ? ` (${this.o.camera.name})` : '';
    const cause = f.kind === 'auth' ? `${f.cause}: ${credentialsHint(this.o.camera)}` : f.cause;
    return redact(`camera ${this.cameraId}${name}: ${cause}`);
  }

  /** A throwing listener must never take recording down with it (principle 1). */
  override emit<K extends keyof CameraWorkerEvents>(event: K, ...args: CameraWorkerEvents[K]): boolean {
    try {
      return super.emit(event, ...(args as never));
    } catch (e) {
      this.log.error({ err: e, event }, 'camera worker listener failed');
      return true;
    }
  }

  private setState(s: WorkerState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('status', this.status());
  }

  /** ffmpeg does not create directories: today's and tomorrow's exist before midnight comes. */
  private ensureDayDirs(now: number): void {
    for (const t of [now, now + DAY_MS]) mkdirSync(path.join(this.o.recordingsDir, this.cameraId, dayDir(new Date(t))), { recursive: true });
  }

  private spawnRun(): void {
    this.clearBackoffTimers();
    this.setState('starting');
    const now = Date.now();
    const tag = spawnTag(now);
    try {
      if (!this.o.liveOnly) this.ensureDayDirs(now);
    } catch (e) {
      this.fail(now, { kind: 'storage', cause: `cannot write recordings: ${(e as Error).message}` });
      return;
    }
    if (this.native) return this.connectNative(now);
    let live: LiveOutputs;
    try {
      live = this.prepareLive(tag);
    } catch (e) {
      this.fail(now, { kind: 'storage', cause: `cannot write live stream files: ${(e as Error).message}` });
      return;
    }
    const rtspTimeoutSeconds = this.o.stream.rtsp_timeout_seconds;
    const args = !this.feed
      ? buildLiveOnlyArgs({ url: this.o.camera.url, rtspTimeoutSeconds, live })
      : buildFfmpegArgs({
        url: this.o.camera.url,
        segmentPattern: segmentPattern(this.o.recordingsDir, this.cameraId, tag),
        segmentSeconds: this.o.segmentSeconds,
        rtspTimeoutSeconds,
        feed: { port: this.feed.port, sdpPath: this.feed.sdpPath },
        live,
      });
    this.log.debug({ args }, 'starting ffmpeg');
    const child = spawn(this.o.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    track(child);
    let resolveExited!: () => void;
    const run: Run = {
      kind: 'ffmpeg', child, startedAt: now, lastProgressAt: now, open: new Map(), listedEarly: new Map(), closing: new Set(), problems: [], dumpingInput: true,
      exited: new Promise((r) => (resolveExited = r)),
      watchdog: setInterval(() => this.checkStall(run), Math.min(1000, this.o.stream.stall_seconds * 250)),
    };
    this.run = run;

    let exited = false;
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exited) return;
      exited = true;
      liveChildren.delete(child);
      void this.onExit(run, code, signal).finally(resolveExited);
    };
    child.on('error', (e) => {
      run.problems.push(`[error] ${e.message}`);
      if (child.pid === undefined) onExit(null, null); // never started (e.g. ffmpeg missing): no 'close' follows
    });
    child.on('close', onExit);

    const list = child.stdio[SEGMENT_LIST_FD] as Readable;
    list.on('error', () => {});
    createInterface({ input: list }).on('line', (line) => this.inFlight(run, this.onSegmentListed(run, line)));
    child.stderr!.on('error', () => {});
    createInterface({ input: child.stderr! }).on('line', (line) => this.onStderr(run, line));
  }

  private connectNative(now: number): void {
    let ended!: () => void;
    const exited = new Promise<void>((r) => (ended = r));
    this.run = { kind: 'native', startedAt: now, lastProgressAt: now, exited, ended };
    this.native!.connect();
  }

  /** The session ended (its last segment already reported): the same failure handling as an ffmpeg exit. */
  private onNativeEnd(run: NativeRun, failure: Failure | null): void {
    clearTimeout(run.healthyTimer);
    this.run = null;
    try {
      if (this.stopping) return this.announceGap(this.gapStart(run), { kind: 'stopped', cause: 'recording stopped' });
      this.fail(this.gapStart(run), failure ?? { kind: 'ended', cause: 'the RTSP session ended' });
    } finally {
      run.ended();
    }
  }

  /** Where recording stopped: the end of the last segment, or the run's start when it recorded nothing since the last gap. */
  private gapStart(run: RunBase): number {
    return this.recordingSinceGap && this.lastRecordedEnd !== null ? this.lastRecordedEnd : run.startedAt;
  }

  /** The HLS dir starts empty and the SDP is written again once the new run is connected. */
  private prepareLive(tag: string): LiveOutputs {
    const hlsDir = this.o.live?.hlsDir;
    if (hlsDir) mkdirSync(hlsDir, { recursive: true });
    if (this.feed) mkdirSync(path.dirname(this.feed.sdpPath), { recursive: true });
    this.clearLiveFiles();
    return { hls: hlsDir ? { dir: hlsDir, segmentSeconds: HLS_SEGMENT_SECONDS, listSize: HLS_LIST_SIZE, spawnTag: tag } : undefined };
  }

  /**
   * Live files of an ended run are stale (ffmpeg deletes only the segments it wrote itself, and a
   * playlist left behind would look live): a player gets 404 until the next run writes new ones.
   */
  private clearLiveFiles(): void {
    const hlsDir = this.o.live?.hlsDir;
    // subdirectories (the sub-stream's) belong to another worker
    if (hlsDir) for (const e of readdirSync(hlsDir, { withFileTypes: true })) if (!e.isDirectory()) rmSync(path.join(hlsDir, e.name), { force: true });
    if (this.feed) rmSync(this.feed.sdpPath, { force: true });
  }

  private markStreaming(run: RunBase): void {
    if (this.state !== 'starting') return;
    if (this.failingSince !== null) this.log.info({ down_seconds: Math.round((Date.now() - this.failingSince) / 1000) }, 'streaming again');
    else this.log.info('streaming');
    this.failingSince = null;
    this.lastWarned = null;
    run.healthyTimer = setTimeout(() => this.backoff.reset(), this.o.healthyAfterMs ?? 10_000);
    this.setState('streaming');
  }

  /** A picture arrived from the camera (at `frameAt`): the stream flows. */
  private onProgress(run: RunBase, frameAt: number): void {
    run.lastProgressAt = Date.now();
    this.lastFrameAt = frameAt;
    this.markStreaming(run);
  }

  private onFrame(f: DecodedFrame): void {
    const now = Date.now();
    this.frameTimes.push(now);
    if (this.frameTimes.length > 600) this.frameTimes = this.frameTimes.filter((t) => t > now - FPS_WINDOW_MS);
    this.emit('frame', { camera_id: this.cameraId, timestamp: new Date(now).toISOString(), seq: this.seq++, width: f.width, height: f.height, jpeg: f.jpeg });
  }

  private onStderr(run: Run, raw: string): void {
    const line = redact(raw.slice(0, 500));
    if (run.dumpingInput) this.readInputDump(run, line);
    const opening = /\[(segment|hls) @ [^\]]+\] \[info\] Opening '(.+)' for writing/.exec(line);
    if (opening?.[1] === 'hls') {
      // a new live segment (or playlist update): the stream flows even when nothing is recorded
      run.lastProgressAt = Date.now();
      this.markStreaming(run);
    } else if (opening && !opening[2]!.startsWith('pipe:')) {
      this.onSegmentOpened(run, opening[2]!);
    } else if (isProblemLine(line)) {
      run.problems.push(line);
      if (run.problems.length > MAX_PROBLEM_LINES) run.problems.shift();
      this.log.debug({ ffmpeg: line }, 'ffmpeg');
    }
  }

  private readInputDump(run: Run, line: string): void {
    if (/\] (Output #|Stream mapping:)/.test(line)) {
      run.dumpingInput = false;
      return;
    }
    const fps = parseVideoStreamFps(line);
    if (fps !== null) this.sourceFps = fps;
  }

  private onSegmentOpened(run: Run, file: string): void {
    const now = Date.now();
    run.lastProgressAt = now;
    const rel = path.relative(this.o.recordingsDir, file);
    const seg: SegmentOpened = { cameraId: this.cameraId, path: rel, startTime: new Date(openedAt(rel, now)) };
    const listedSeconds = run.listedEarly.get(path.basename(file));
    if (listedSeconds === undefined) run.open.set(path.basename(file), seg);
    else run.listedEarly.delete(path.basename(file));
    this.segmentStarted(seg);
    try {
      this.ensureDayDirs(now);
    } catch (e) {
      this.log.error({ err: e }, 'cannot create the next day directory');
    }
    if (listedSeconds !== undefined) this.inFlight(run, this.closeListed(run, seg, listedSeconds));
  }

  /** A segment opened: it ends the gap, if recording had stopped. */
  private segmentStarted(seg: SegmentOpened): void {
    if (!this.recordingSinceGap) {
      this.recordingSinceGap = true;
      this.gapAnnounced = false;
      this.emit('gapEnd', { cameraId: this.cameraId, end: seg.startTime });
    }
    this.emit('segmentOpened', seg);
  }

  /** One CSV line of the segment list: name,start,end (stream seconds) of a closed segment. */
  private async onSegmentListed(run: Run, line: string): Promise<void> {
    const m = /^"?(.*?)"?,([\d.]+),([\d.]+)$/.exec(line.trim());
    if (!m) return;
    const name = path.basename(m[1]!);
    const seconds = Math.max(0, Number(m[3]) - Number(m[2]));
    run.lastProgressAt = Date.now();
    const seg = run.open.get(name);
    if (!seg) {
      run.listedEarly.set(name, seconds);
      return;
    }
    run.open.delete(name);
    await this.closeListed(run, seg, seconds);
  }

  private async closeListed(run: Run, seg: SegmentOpened, seconds: number): Promise<void> {
    // Within a run, ffmpeg's segments follow each other without a hole: a start read a little late
    // (this process was busy when ffmpeg announced it) is the previous segment's end, not a gap.
    if (run.lastEnd !== undefined && Math.abs(seg.startTime.getTime() - run.lastEnd) <= CONTIGUOUS_MS) seg.startTime = new Date(run.lastEnd);
    // The list is written the moment the segment closes, so "now" bounds its end; the first segment
    // of a run opens only after ~1 s of probing, and start + duration would overlap the next one.
    const end = Math.min(seg.startTime.getTime() + seconds * 1000, Math.max(run.lastProgressAt, seg.startTime.getTime()));
    run.lastEnd = end;
    await this.closeSegment(seg, new Date(end));
  }

  /** Emits a closed segment with its size; deletes it instead when ffmpeg left it empty. */
  private async closeSegment(seg: SegmentOpened, endTime: Date | null): Promise<void> {
    const file = path.join(this.o.recordingsDir, seg.path);
    const st = await stat(file).catch(() => null);
    if (!st || st.size === 0) {
      await unlink(file).catch(() => {});
      this.emit('segmentDiscarded', { cameraId: this.cameraId, path: seg.path });
      return;
    }
    // a segment cut short by a kill has no list entry: its last write is its end
    const end = endTime ?? new Date(Math.max(seg.startTime.getTime(), st.mtimeMs));
    this.segmentRecorded({ ...seg, endTime: end, bytes: st.size });
  }

  private segmentRecorded(seg: SegmentClosed): void {
    const seconds = (seg.endTime.getTime() - seg.startTime.getTime()) / 1000;
    if (seconds > 0) this.bitrateKbps = Math.round((seg.bytes * 8) / seconds / 1000);
    this.lastRecordedEnd = Math.max(this.lastRecordedEnd ?? 0, seg.endTime.getTime());
    this.emit('segment', seg);
    this.emit('status', this.status());
  }

  private checkStall(run: Run): void {
    const limitMs = this.o.stream.stall_seconds * 1000;
    if (run.stalledSeconds !== undefined || this.run !== run) return;
    // time this process was blocked is not the stream's fault: ffmpeg's output waits unread in its pipes
    const now = Date.now();
    if (now - run.lastProgressAt - eventLoopWatch.blockedMsSince(run.lastProgressAt, now) <= limitMs) return;
    run.stalledSeconds = this.o.stream.stall_seconds;
    this.log.warn(`no frame or segment for ${run.stalledSeconds} s: killing ffmpeg`);
    run.child.kill('SIGTERM');
    run.killTimer = setTimeout(() => run.child.kill('SIGKILL'), KILL_GRACE_MS);
  }

  private async onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearInterval(run.watchdog);
    clearTimeout(run.healthyTimer);
    clearTimeout(run.killTimer);
    await Promise.all(run.closing);
    const leftOpen = [...run.open.values()];
    run.open.clear();
    // 'close' comes after every stdio stream ended, so all listed segments are already closed
    for (const seg of leftOpen) await this.closeSegment(seg, null);
    this.run = null;
    try {
      this.clearLiveFiles();
    } catch (e) {
      this.log.warn({ err: e }, 'cannot clear live stream files');
    }
    const gapStart = this.gapStart(run);
    if (this.stopping) {
      this.announceGap(gapStart, { kind: 'stopped', cause: 'recording stopped' });
      return;
    }
    let failure = classifyExit({ problems: run.problems, code, signal, stalledSeconds: run.stalledSeconds });
    if (failure.kind === 'corrupt') failure = refineWithProbe(failure, await probeRtsp(this.o.camera.url, this.probeTimeoutMs()));
    if (this.stopping) return; // stop() arrived during the probe; it announces the gap itself
    this.fail(gapStart, failure, { code, signal });
  }

  private inFlight(run: Run, close: Promise<void>): void {
    run.closing.add(close);
    void close.finally(() => run.closing.delete(close));
  }

  private fail(gapStart: number, failure: Failure, exit?: { code: number | null; signal: string | null }): void {
    this.lastError = failure;
    this.announceGap(gapStart, failure);
    const delay = this.backoff.next();
    this.reconnects += 1;
    this.currentBackoffMs = delay;
    // loud once per cause: the same failure retried every few seconds for hours is one warning
    const repeated = this.failingSince !== null && this.lastWarned === failure.cause;
    this.failingSince ??= gapStart;
    this.lastWarned = failure.cause;
    this.log[repeated ? 'debug' : 'warn']({ cause: failure.cause, kind: failure.kind, exit, retry_in_ms: delay }, this.describe(failure));
    this.setState('backoff');
    this.restartTimer = setTimeout(() => this.spawnRun(), delay);
    // A run that could not reach the DVR has itself seen the source down: the next probe that
    // answers restarts at once. Without this, a retry failing just before the DVR listens again
    // waited out a whole backoff delay (up to backoff_max_ms of lost recording).
    this.scheduleProbe(++this.backoffRound, failure.kind === 'unreachable');
  }

  private announceGap(start: number, f: Failure | { kind: 'stopped'; cause: string }): void {
    this.recordingSinceGap = false;
    if (this.gapAnnounced || this.o.liveOnly) return; // a worker that records nothing has no recording gaps
    this.gapAnnounced = true;
    this.emit('gap', { cameraId: this.cameraId, start: new Date(start), cause: this.describe(f), kind: f.kind });
  }

  private probeTimeoutMs(): number {
    return Math.min(2000, this.o.stream.probe_interval_ms);
  }

  /**
   * Probes while backing off. A 200 restarts at once, but only after the source was seen down:
   * a DVR that answers DESCRIBE yet sends a broken stream must not bypass the backoff.
   */
  private scheduleProbe(round: number, sourceSeenDown: boolean): void {
    this.probeTimer = setTimeout(async () => {
      const result = await probeRtsp(this.o.camera.url, this.probeTimeoutMs());
      if (round !== this.backoffRound || this.state !== 'backoff' || this.stopping) return;
      const down = classifyProbe(result);
      if (!down && sourceSeenDown) {
        this.log.info('source answers again: restarting now');
        this.spawnRun();
        return;
      }
      this.scheduleProbe(round, sourceSeenDown || down !== null);
    }, this.o.stream.probe_interval_ms);
  }

  private clearBackoffTimers(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.probeTimer);
  }
}
