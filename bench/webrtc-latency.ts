/**
 * Glass-to-glass latency of the live view, in a real Chromium on loopback: the simulator plays a clip
 * whose frames carry their number as a barcode; the browser reads the barcode off each frame it
 * presents; latency = presentation time − the time the simulator sent that frame. Full stack: sim →
 * camera worker (ffmpeg: HLS + RTP) → API (WHEP / HLS) → the player page.
 *
 * The same measurement serves other servers (the video benchmark's peers) through a bench page that
 * plays any WHEP or HLS URL with the player page's own WebRTC client and hls.js, served at the
 * server's origin so that no CORS stands between them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { resolveConfig } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { ensureMarkedSample, FRAME_MARK } from '../src/dvr-sim/marked-sample.ts';
import { startDvrSim, type DvrSim } from '../src/dvr-sim/server.ts';
import { startRoles } from '../src/roles/run.ts';
import { createUser, signInPage } from '../test/fixtures/api-auth.ts';

export interface LatencyResult {
  samples: number;
  /** each session's own p50: a session's start (its clock mapping, its jitter estimate) weighs on all its frames */
  sessions_p50_ms: number[];
  p50_ms: number;
  p90_ms: number;
  p95_ms: number;
  max_ms: number;
  /** barcodes that decoded to an impossible frame (not counted in samples) */
  misread: number;
  /** WebRTC: the browser's own part, from its inbound-rtp statistics, median over the sessions */
  receiver?: ReceiverStats;
}

/** Per frame, averaged over a session (Chromium's inbound-rtp statistics) */
export interface ReceiverStats {
  /** first packet received → frame sent to the decoder */
  jitter_buffer_ms: number | null;
  /** what the receiver aimed at for that */
  jitter_buffer_target_ms: number | null;
  decode_ms: number | null;
  /** first packet received → frame decoded */
  processing_ms: number | null;
}

export interface LiveLatencyOptions {
  samples?: number;
  chromiumPath?: string;
  /** simulator channels, each a camera of the server under test (the one measured is channel 1); default 1 */
  channels?: number;
  /** players started one after the other per transport, the samples split between them (default 1) */
  sessions?: number;
}

interface Presented {
  frame: number;
  shownAt: number;
}


const CAMERA = 'cam_marked';
// consecutive frames are not independent samples: keep one every this many ms
const SAMPLE_GAP_MS = 200;
const MAX_PLAUSIBLE_MS = 10_000;

// Runs in the page (a string, so that no bundler helper ends up inside it). Reads the barcode of every
// presented frame: requestVideoFrameCallback gives the frame and when it is shown on screen.
const READ_BARCODES = `async ({ bits, blockWidth, height, count, gapMs, timeoutMs }) => {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  canvas.width = bits * blockWidth;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const out = [];
  const deadline = performance.now() + timeoutMs;
  await new Promise((resolve) => {
    const step = (now, meta) => {
      const shownAt = performance.timeOrigin + (meta && meta.expectedDisplayTime ? meta.expectedDisplayTime : now);
      const last = out[out.length - 1];
      if (!last || shownAt - last.shownAt >= gapMs) {
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let frame = 0;
        for (let i = 0; i < bits; i++) {
          const at = ((height >> 1) * canvas.width + i * blockWidth + (blockWidth >> 1)) * 4;
          if (px[at] + px[at + 1] + px[at + 2] > 384) frame += 2 ** i;
        }
        out.push({ frame, shownAt });
      }
      if (out.length >= count || performance.now() > deadline) resolve();
      else video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
  return out;
}`;

// Runs in the page: the video receiver's statistics (ReceiverStats) of its newest peer connection (see PEER_CONNECTIONS)
const RECEIVER_STATS = `(async () => {
  const pc = window.__benchPeerConnections.at(-1);
  const per = (total, count) => (count ? 1000 * total / count : null);
  for (const s of (pc ? await pc.getStats() : new Map()).values()) {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
    return {
      jitter_buffer_ms: per(s.jitterBufferDelay, s.jitterBufferEmittedCount),
      jitter_buffer_target_ms: per(s.jitterBufferTargetDelay, s.jitterBufferEmittedCount),
      decode_ms: per(s.totalDecodeTime, s.framesDecoded),
      processing_ms: per(s.totalProcessingDelay, s.framesDecoded),
    };
  }
  return null;
})()`;

/** Keeps every peer connection a page makes, for RECEIVER_STATS. */
const PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__benchPeerConnections = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__benchPeerConnections.push(this); }
  };
})()`;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

const plausible = (ms: number): boolean => ms >= 0 && ms < MAX_PLAUSIBLE_MS;
const median = (xs: number[]): number => Math.round(percentile([...xs].sort((a, b) => a - b), 0.5));

/** `sessions`: the latencies of each session, in the order played */
export function summarize(sessions: number[][]): LatencyResult {
  const latencies = sessions.flat();
  const ok = latencies.filter(plausible).sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms);
  return { samples: ok.length, sessions_p50_ms: sessions.map((s) => median(s.filter(plausible))), p50_ms: round(percentile(ok, 0.5)), p90_ms: round(percentile(ok, 0.9)), p95_ms: round(percentile(ok, 0.95)), max_ms: round(ok.at(-1) ?? NaN), misread: latencies.length - ok.length };
}

/** The frames shown by the player at `url` once it plays over `transport` (the page says so on <body data-transport data-state>). */
async function sessionLatencies(page: Page, sim: DvrSim, url: string, transport: BenchTransport, samples: number): Promise<number[]> {
  await page.goto(url);
  const waitFor = async (what: string, fn: string): Promise<void> => {
    await page.waitForFunction(fn, undefined, { timeout: 40_000 }).catch(async () => {
      const seen = await page.evaluate('({ ...document.body.dataset, currentTime: document.querySelector("video")?.currentTime })');
      throw new Error(`${transport} player: no ${what} within 40 s (page state ${JSON.stringify(seen)})`);
    });
  };
  await waitFor('playing state', `(document.body.dataset.transport === ${JSON.stringify(transport)} && document.body.dataset.state === 'playing') || document.body.dataset.state === 'failed'`);
  const failed = await page.evaluate(() => document.body.dataset.state === 'failed' ? document.body.dataset.error ?? 'failed' : null);
  if (failed) throw new Error(`${transport} player failed: ${failed}`);
  // past start-up (HLS players first settle at their live edge)
  await waitFor('3 s of playback', `(document.querySelector('video')?.currentTime ?? 0) > 3`);
  const args = { ...FRAME_MARK, count: samples, gapMs: SAMPLE_GAP_MS, timeoutMs: samples * SAMPLE_GAP_MS * 4 };
  const presented = (await page.evaluate(`(${READ_BARCODES})(${JSON.stringify(args)})`)) as Presented[];
  return presented.map((p) => p.shownAt - sim.frameSentAt(1, p.frame, p.shownAt));
}

/**
 * Latency of the player at `url` over `transport`, `sessions` times (a new player each): a
 * session's own start (its clock mapping, its jitter buffer) weighs on all its frames, so several
 * short sessions tell more than one long one.
 */
export async function measureLatency(page: Page, sim: DvrSim, url: string, transport: BenchTransport, samples: number, sessions = 1): Promise<LatencyResult> {
  const latencies: number[][] = [];
  const receivers: ReceiverStats[] = [];
  for (let i = 0; i < sessions; i++) {
    latencies.push(await sessionLatencies(page, sim, url, transport, Math.ceil(samples / sessions)));
    const stats = transport === 'webrtc' ? ((await page.evaluate(RECEIVER_STATS)) as ReceiverStats | null) : null;
    if (stats) receivers.push(stats);
  }
  const result = summarize(latencies);
  if (receivers.length === 0) return result;
  const of = (key: keyof ReceiverStats): number | null => {
    const known = receivers.flatMap((r) => (r[key] === null ? [] : [r[key]]));
    return known.length ? +percentile(known.sort((a, b) => a - b), 0.5).toFixed(1) : null;
  };
  return { ...result, receiver: { jitter_buffer_ms: of('jitter_buffer_ms'), jitter_buffer_target_ms: of('jitter_buffer_target_ms'), decode_ms: of('decode_ms'), processing_ms: of('processing_ms') } };
}

export type BenchTransport = 'webrtc' | 'hls' | 'll-hls';

const PLAYER_DIR = path.resolve(import.meta.dirname, '../src/api/player');
const HLS_JS = path.resolve(import.meta.dirname, '../node_modules/hls.js/dist/hls.min.js');
const BENCH_PAGE = '/__vigil_bench/player.html';

// The bench page: plays `src` over `transport` with the player page's WebRTC client (webrtc.js) or
// hls.js at its defaults (lowLatencyMode off for plain HLS, so that a playlist with parts is played
// as plain HLS), and notes when a new viewer's WHEP offer left and when its first frame was shown.
const BENCH_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><script src="/__vigil_bench/hls.min.js"></script></head>
<body><video id="video" muted autoplay playsinline></video>
<script type="module">
import { startWebRtc } from '/__vigil_bench/webrtc.js';
const params = new URLSearchParams(location.search);
const transport = params.get('transport');
const src = params.get('src');
const video = document.getElementById('video');
const body = document.body;
const fail = (e) => { body.dataset.error = String(e && e.message || e); body.dataset.state = 'failed'; };
body.dataset.transport = transport;
if (transport === 'webrtc') {
  const realFetch = window.fetch.bind(window);
  let offerSentAt = 0;
  window.fetch = (url, init) => {
    if (init && init.method === 'POST' && !offerSentAt) offerSentAt = performance.now();
    return realFetch(url, init);
  };
  video.requestVideoFrameCallback((now, meta) => {
    body.dataset.firstFrameMs = String((meta && meta.expectedDisplayTime ? meta.expectedDisplayTime : now) - offerSentAt);
  });
  startWebRtc(video, src).then(() => { body.dataset.state = 'playing'; }, fail);
} else {
  const hls = new Hls({ lowLatencyMode: transport === 'll-hls' });
  hls.on(Hls.Events.MANIFEST_PARSED, () => { body.dataset.state = 'playing'; video.play().catch(() => undefined); });
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) fail(data.details); });
  hls.loadSource(src);
  hls.attachMedia(video);
}
</script></body></html>`;

/**
 * The player gives up on WebRTC when no picture comes within a few seconds (to fall back to HLS);
 * the bench measures a slow first picture instead of giving up on it.
 */
function patientFirstFrame(webrtcJs: string): string {
  const limit = /const FIRST_FRAME_TIMEOUT_MS = \d+;/;
  if (!limit.test(webrtcJs)) throw new Error('src/api/player/webrtc.js: FIRST_FRAME_TIMEOUT_MS not found (the bench page lifts it)');
  return webrtcJs.replace(limit, `const FIRST_FRAME_TIMEOUT_MS = ${FIRST_FRAME_WAIT_MS};`);
}

const FIRST_FRAME_WAIT_MS = 30_000;

/**
 * Serves the bench page and its scripts at every origin the browser visits (so a peer's WHEP and
 * HLS are same-origin for it); webrtc.js imports /assets/session.js, served likewise.
 */
export async function routeBenchPage(context: BrowserContext): Promise<void> {
  const files: Record<string, Promise<Buffer | string>> = {
    '/__vigil_bench/hls.min.js': readFile(HLS_JS),
    '/__vigil_bench/webrtc.js': readFile(path.join(PLAYER_DIR, 'webrtc.js'), 'utf8').then(patientFirstFrame),
    '/assets/session.js': readFile(path.join(PLAYER_DIR, 'session.js')),
  };
  await context.route((url) => url.pathname === BENCH_PAGE || url.pathname in files, async (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === BENCH_PAGE) return route.fulfill({ contentType: 'text/html', body: BENCH_PAGE_HTML });
    return route.fulfill({ contentType: 'text/javascript', body: await files[pathname]! });
  });
}

/** The bench page playing `src` (absolute URL) over `transport`, at src's origin. */
export const benchPageUrl = (src: string, transport: BenchTransport): string =>
  `${new URL(src).origin}${BENCH_PAGE}?${new URLSearchParams({ transport, src })}`;

export interface FirstFrameResult {
  samples: number;
  p50_ms: number;
  max_ms: number;
}

/** A new WebRTC viewer, `viewers` times: WHEP offer sent → first frame shown. */
export async function measureFirstFrame(page: Page, whep: string, viewers: number): Promise<FirstFrameResult> {
  const times: number[] = [];
  for (let i = 0; i < viewers; i++) {
    await page.goto(benchPageUrl(whep, 'webrtc'));
    await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined || document.body.dataset.state === 'failed', undefined, { timeout: FIRST_FRAME_WAIT_MS + 5000 });
    const { ms, error } = await page.evaluate(() => ({ ms: document.body.dataset.firstFrameMs, error: document.body.dataset.error }));
    if (ms === undefined) throw new Error(`${whep}: ${error}`);
    times.push(Number(ms));
    await page.goto('about:blank'); // the viewer leaves: its peer connection closes
  }
  const sorted = times.sort((a, b) => a - b);
  return { samples: sorted.length, p50_ms: Math.round(percentile(sorted, 0.5)), max_ms: Math.round(sorted.at(-1) ?? NaN) };
}

/** Chromium as the latency benches run it, with the bench page routed. */
export async function launchBenchBrowser(dir: string, chromiumPath = '/usr/bin/chromium'): Promise<BrowserContext> {
  const browser = await chromium.launchPersistentContext(await mkdtemp(path.join(dir, 'chromium-')), {
    executablePath: chromiumPath, headless: true, bypassCSP: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
      // where loopback is the only interface, Chromium gathers no ICE candidates without it
      '--allow-loopback-in-peer-connection'],
  });
  await routeBenchPage(browser);
  await browser.addInitScript(PEER_CONNECTIONS);
  return browser;
}

/** Where a player can watch a server's stream: the page to open (and the URL that must answer first), or why not. */
export type LiveTarget = { page: string; probe?: string } | { reason: string };

export interface LiveTargets {
  webrtc: LiveTarget;
  hls: LiveTarget;
  llHls: LiveTarget;
  /** the WHEP URL a new viewer posts its offer to */
  whep: { url: string } | { reason: string };
}

/** A server under test, started on the marked simulator. */
export interface LiveServer {
  targets: LiveTargets;
  /** e.g. signs a viewer in */
  preparePage?(page: Page): Promise<void>;
  stop(): Promise<void>;
}

export type Unmeasured = { p50_ms: null; reason: string };

export interface LiveLatencyReport {
  webrtc: LatencyResult | Unmeasured;
  hls: LatencyResult | Unmeasured;
  ll_hls: LatencyResult | Unmeasured;
  first_frame_ms: FirstFrameResult | Unmeasured;
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

/** One measurement, or null with the reason it could not be made (a server without that transport, a player that failed). */
async function orReason<T>(target: { reason: string } | object, run: () => Promise<T>): Promise<T | Unmeasured> {
  if ('reason' in target) return { p50_ms: null, reason: target.reason };
  try {
    return await run();
  } catch (err) {
    return { p50_ms: null, reason: reasonOf(err) };
  }
}

async function measureTarget(page: Page, sim: DvrSim, target: LiveTarget, transport: BenchTransport, opts: LiveLatencyOptions): Promise<LatencyResult | Unmeasured> {
  return orReason(target, async () => {
    const t = target as { page: string; probe?: string };
    if (t.probe) {
      const status = (await page.request.get(t.probe)).status();
      if (status !== 200) throw new Error(`${new URL(t.probe).pathname} answers ${status}`);
    }
    return measureLatency(page, sim, t.page, transport, opts.samples ?? 30, opts.sessions);
  });
}

/**
 * WebRTC, HLS and LL-HLS latency and a new WebRTC viewer's first frame, of the server `start` runs
 * on a one-channel marked simulator.
 */
export async function measureLiveServer(start: (sim: DvrSim, dir: string) => Promise<LiveServer>, opts: LiveLatencyOptions & { viewers?: number } = {}): Promise<LiveLatencyReport> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-latency-'));
  const marked = await ensureMarkedSample();
  const sim = await startDvrSim({ port: 0, channels: opts.channels ?? 1, main: marked.main, sub: marked.sub, log: createLogger('silent') });
  let server: LiveServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    server = await start(sim, dir);
    browser = await launchBenchBrowser(dir, opts.chromiumPath);
    const page = await browser.newPage();
    await server.preparePage?.(page);
    const { targets } = server;
    const webrtc = await measureTarget(page, sim, targets.webrtc, 'webrtc', opts);
    const firstFrame = await orReason(targets.whep, () => measureFirstFrame(page, (targets.whep as { url: string }).url, opts.viewers ?? 5));
    const hls = await measureTarget(page, sim, targets.hls, 'hls', opts);
    const llHls = await measureTarget(page, sim, targets.llHls, 'll-hls', opts);
    return { webrtc, hls, ll_hls: llHls, first_frame_ms: firstFrame };
  } finally {
    await browser?.close();
    await server?.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface VigilLiveOptions {
  /** stream.ingest (default: the product's default) */
  ingest?: 'native' | 'ffmpeg';
}

/** Vigil's edge and API roles with a camera per simulator channel (the measured one on channel 1); the product's player page for WebRTC and HLS. */
const startVigilLive = (o: VigilLiveOptions = {}) => async (sim: DvrSim, dir: string): Promise<LiveServer> => {
  const cameras = Array.from({ length: sim.channels }, (_, i) => ({ id: i === 0 ? CAMERA : `${CAMERA}_${i + 1}`, dvr: 'sim', channel: i + 1 }));
  const loaded = resolveConfig({
    sites: [{ id: 'bench', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras }],
    storage: { data_dir: dir }, detection: { enabled: false }, api: { port: 0 }, ...(o.ingest ? { stream: { ingest: o.ingest } } : {}),
  }, 'latency-bench', {});
  const running = await startRoles(loaded, ['edge', 'api'], createLogger('silent'));
  const api = running.apiUrl!;
  const player = `${api}/player/${CAMERA}`;
  const llHls = `${api}/live/${CAMERA}/ll/index.m3u8`;
  return {
    targets: {
      webrtc: { page: player },
      hls: { page: `${player}?transport=hls` },
      // the product's LL-HLS playlist, played by hls.js in low-latency mode; measured once the API serves it
      llHls: { page: benchPageUrl(llHls, 'll-hls'), probe: llHls },
      whep: { url: `${api}/api/v1/cameras/${CAMERA}/whep` },
    },
    // the player page and its media are authenticated by the session cookie of a signed-in viewer
    preparePage: async (page) => signInPage(page, api, await createUser(running.ctx.repos, 'viewer')),
    stop: () => running.stop(),
  };
};

/** Vigil's live latency (WebRTC, HLS, LL-HLS) and first frame of a new WebRTC viewer, measured in the same run. */
export function benchLiveLatency(opts: LiveLatencyOptions & VigilLiveOptions = {}): Promise<LiveLatencyReport> {
  return measureLiveServer(startVigilLive(opts), opts);
}
