/**
 * The media servers a user would pick instead of Vigil for the video part, run on the same
 * simulator channels as Vigil for the video benchmark: MediaMTX (records by itself) and go2rtc
 * (Frigate's live view; it does not record, so an ffmpeg recorder per channel reads its RTSP
 * restream). Their binaries are built by `npm run bench:peers:install` into .cache/bin; a peer
 * whose binary is missing is left out of the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/fixtures/free-port.ts';
import { until } from '../test/fixtures/until.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const PEER_BIN_DIR = path.join(REPO_ROOT, '.cache/bin');

export const PEERS = {
  mediamtx: { module: 'github.com/bluenviron/mediamtx', version: 'v1.20.1' },
  go2rtc: { module: 'github.com/AlexxIT/go2rtc', version: 'v1.9.14' },
} as const;
export type PeerName = keyof typeof PEERS;

export const peerBinary = (name: PeerName): string => path.join(PEER_BIN_DIR, name);
export const peerInstalled = (name: PeerName): boolean => existsSync(peerBinary(name));

/** What a player can use of a peer's stream, or why not. */
export type Endpoint = { url: string } | { reason: string };

export interface RunningPeer {
  name: PeerName;
  version: string;
  /** the server and the ffmpeg processes that run beside it (recorders, keyframe readers) */
  pids(): number[];
  whep(stream: string): Endpoint;
  hls(stream: string): Endpoint;
  llHls(stream: string): Endpoint;
  /** the peer's log, for a failure's message */
  log(): string;
  stop(): Promise<void>;
}

export interface PeerOptions {
  /** RTSP URL per stream; stream i is named `cam<i + 1>` */
  sources: string[];
  /** scratch dir: config, log, recordings */
  dir: string;
  /** also one keyframe-JPEG reader per channel (what analysis needs), like Vigil's frames */
  frames: boolean;
}

export const streamName = (i: number): string => `cam${i + 1}`;

const stopChild = (child: ChildProcess): Promise<void> => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  child.once('exit', () => (clearTimeout(killer), done()));
  child.kill('SIGINT');
});

function spawnLogged(cmd: string, args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, TZ: 'UTC' } });
  closeSync(out);
  return child;
}

/** ffmpeg reading a peer's RTSP restream: keyframes only, decoded to JPEGs that nobody reads (as Vigil's analysis input). */
const keyframeReaderArgs = (url: string): string[] => [
  '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y', '-rtsp_transport', 'tcp', '-skip_frame', 'nokey', '-i', url,
  '-map', '0:v:0', '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', '/dev/null',
];

/** ffmpeg recording a peer's RTSP restream into 10 s MPEG-TS segments (go2rtc does not record). */
const recorderArgs = (url: string, dir: string): string[] => [
  '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url,
  '-map', '0:v:0', '-c', 'copy', '-f', 'segment', '-segment_format', 'mpegts', '-segment_time', '10', '-reset_timestamps', '1', '-strftime', '1', path.join(dir, '%Y%m%d_%H%M%S.ts'),
];

/** `until`, with the end of the peer's log in the error. */
async function untilOrLog(what: string, log: () => string, check: () => Promise<true | undefined>): Promise<void> {
  await until(what, 30_000, check).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; its log: ${log().slice(-2000)}`);
  });
}

/** Records every source (MPEG-TS, 10 s segments, like Vigil) and serves WebRTC (WHEP) and LL-HLS, its defaults. */
export async function startMediamtx(o: PeerOptions): Promise<RunningPeer> {
  const [rtsp, hls, webrtc, webrtcUdp, api] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const recordings = path.join(o.dir, 'recordings');
  mkdirSync(recordings, { recursive: true });
  // JSON is YAML; only what differs from its defaults, and every listener on 127.0.0.1
  const config = {
    logLevel: 'warn',
    rtspTransports: ['tcp'], rtspAddress: `127.0.0.1:${rtsp}`,
    rtmp: false, srt: false, moq: false,
    api: true, apiAddress: `127.0.0.1:${api}`,
    hlsAddress: `127.0.0.1:${hls}`,
    webrtcAddress: `127.0.0.1:${webrtc}`, webrtcLocalUDPAddress: `127.0.0.1:${webrtcUdp}`,
    // where loopback is the only interface it would offer no ICE candidate a local browser can reach
    webrtcIPsFromInterfaces: false, webrtcAdditionalHosts: ['127.0.0.1'],
    pathDefaults: { record: true, recordFormat: 'mpegts', recordSegmentDuration: '10s', recordPath: path.join(recordings, '%path/%Y-%m-%d_%H-%M-%S-%f'), recordDeleteAfter: '0s', rtspTransport: 'tcp' },
    paths: Object.fromEntries(o.sources.map((url, i) => [streamName(i), { source: url }])),
  };
  const configFile = path.join(o.dir, 'mediamtx.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(o.dir, 'mediamtx.log');
  const server = spawnLogged(peerBinary('mediamtx'), [configFile], logFile);
  const log = () => readFileSync(logFile, 'utf8');
  const readers: ChildProcess[] = [];
  const running: RunningPeer = {
    name: 'mediamtx', version: PEERS.mediamtx.version,
    pids: () => [server, ...readers].map((c) => c.pid!),
    whep: (s) => ({ url: `http://127.0.0.1:${webrtc}/${s}/whep` }),
    // hlsVariant lowLatency (its default) serves one LL-HLS playlist; hls.js with lowLatencyMode off did not start playing it in 40 s
    hls: () => ({ reason: 'MediaMTX serves LL-HLS only (hlsVariant lowLatency, its default): see ll_hls' }),
    llHls: (s) => ({ url: `http://127.0.0.1:${hls}/${s}/index.m3u8` }),
    log,
    stop: async () => {
      await Promise.all(readers.map(stopChild));
      await stopChild(server);
    },
  };
  try {
    // every path reading its source, else a keyframe reader started now would be refused
    await untilOrLog('mediamtx to read every source', log, async () => {
      const list = await fetch(`http://127.0.0.1:${api}/v3/paths/list`).then((r) => r.json() as Promise<{ items: Array<{ ready: boolean }> }>, () => undefined);
      return list && list.items.length === o.sources.length && list.items.every((p) => p.ready) ? true : undefined;
    });
    if (o.frames) o.sources.forEach((_, i) => readers.push(spawnLogged('ffmpeg', keyframeReaderArgs(`rtsp://127.0.0.1:${rtsp}/${streamName(i)}`), logFile)));
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

/** Relays every source on demand: WebRTC (WHEP), HLS, and RTSP for one ffmpeg recorder per channel. */
export async function startGo2rtc(o: PeerOptions): Promise<RunningPeer> {
  const [api, rtsp, webrtc] = [await freePort(), await freePort(), await freePort()];
  const config = {
    log: { level: 'warn' },
    api: { listen: `127.0.0.1:${api}` },
    rtsp: { listen: `127.0.0.1:${rtsp}` },
    rtmp: { listen: '' }, srtp: { listen: '' }, homekit: {},
    // its WebRTC port on every interface: bound to 127.0.0.1 it cannot answer a browser whose ICE
    // candidates are on another interface (Chromium then connected after 8-15 s over ICE-TCP, or failed)
    webrtc: { listen: `:${webrtc}`, candidates: [`127.0.0.1:${webrtc}`] },
    streams: Object.fromEntries(o.sources.map((url, i) => [streamName(i), url])),
  };
  const configFile = path.join(o.dir, 'go2rtc.yaml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(o.dir, 'go2rtc.log');
  const server = spawnLogged(peerBinary('go2rtc'), ['-config', configFile], logFile);
  const log = () => readFileSync(logFile, 'utf8');
  const helpers: ChildProcess[] = [];
  const running: RunningPeer = {
    name: 'go2rtc', version: PEERS.go2rtc.version,
    pids: () => [server, ...helpers].map((c) => c.pid!),
    whep: (s) => ({ url: `http://127.0.0.1:${api}/api/webrtc?src=${s}` }),
    // fMP4 segments: hls.js fails to parse its MPEG-TS ones (fragParsingError)
    hls: (s) => ({ url: `http://127.0.0.1:${api}/api/stream.m3u8?src=${s}&mp4` }),
    llHls: () => ({ reason: 'go2rtc serves no LL-HLS (plain HLS and MSE over a WebSocket)' }),
    log,
    stop: async () => {
      await Promise.all(helpers.map(stopChild));
      await stopChild(server);
    },
  };
  try {
    await untilOrLog(`go2rtc to listen on ${api}`, log, () => fetch(`http://127.0.0.1:${api}/`).then(() => true as const, () => undefined));
    o.sources.forEach((_, i) => {
      const url = `rtsp://127.0.0.1:${rtsp}/${streamName(i)}`;
      const recordings = path.join(o.dir, 'recordings', streamName(i));
      mkdirSync(recordings, { recursive: true });
      helpers.push(spawnLogged('ffmpeg', recorderArgs(url, recordings), logFile));
      if (o.frames) helpers.push(spawnLogged('ffmpeg', keyframeReaderArgs(url), logFile));
    });
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

export const startPeer = (name: PeerName, o: PeerOptions): Promise<RunningPeer> => (name === 'mediamtx' ? startMediamtx(o) : startGo2rtc(o));
