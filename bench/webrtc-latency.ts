/**
 * Glass-to-glass latency of the live view, in a real Chromium on loopback: the simulator plays a clip
 * whose frames carry their number as a barcode; the browser reads the barcode off each frame it
 * presents; latency = presentation time − the time the simulator sent that frame. Full stack: sim →
 * camera worker (ffmpeg: HLS + RTP) → API (WHEP / HLS) → the player page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { resolveConfig } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { ensureMarkedSample, FRAME_MARK } from '../src/dvr-sim/marked-sample.ts';
import { startDvrSim, type DvrSim } from '../src/dvr-sim/server.ts';
import { startRoles } from '../src/roles/run.ts';
import { createUser, signInPage } from '../test/fixtures/api-auth.ts';

export interface LatencyResult {
  samples: number;
  p50_ms: number;
  p90_ms: number;
  max_ms: number;
  /** barcodes that decoded to an impossible frame (not counted in samples) */
  misread: number;
}

export interface LiveLatencyOptions {
  samples?: number;
  chromiumPath?: string;
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

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

export function summarize(latencies: number[]): LatencyResult {
  const ok = latencies.filter((ms) => ms >= 0 && ms < MAX_PLAUSIBLE_MS).sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms);
  return { samples: ok.length, p50_ms: round(percentile(ok, 0.5)), p90_ms: round(percentile(ok, 0.9)), max_ms: round(ok.at(-1) ?? NaN), misread: latencies.length - ok.length };
}

async function measure(page: Page, sim: DvrSim, url: string, transport: 'webrtc' | 'hls', samples: number): Promise<LatencyResult> {
  await page.goto(url);
  await page.waitForFunction((t) => document.body.dataset.transport === t && document.body.dataset.state === 'playing', transport, { timeout: 30_000 });
  // past start-up (HLS players first settle at their live edge)
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 3, undefined, { timeout: 30_000 });
  const args = { ...FRAME_MARK, count: samples, gapMs: SAMPLE_GAP_MS, timeoutMs: samples * SAMPLE_GAP_MS * 4 };
  const presented = (await page.evaluate(`(${READ_BARCODES})(${JSON.stringify(args)})`)) as Presented[];
  return summarize(presented.map((p) => p.shownAt - sim.frameSentAt(1, p.frame, p.shownAt)));
}

/** WebRTC and HLS latency of one camera, measured in the same run. */
export async function benchLiveLatency(opts: LiveLatencyOptions = {}): Promise<{ webrtc: LatencyResult; hls: LatencyResult }> {
  const samples = opts.samples ?? 30;
  const log = createLogger('silent');
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-latency-'));
  const marked = await ensureMarkedSample();
  const sim = await startDvrSim({ port: 0, channels: 1, main: marked.main, sub: marked.sub, log });
  const loaded = resolveConfig({
    sites: [{ id: 'bench', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: CAMERA, dvr: 'sim', channel: 1 }] }],
    storage: { data_dir: dir }, detection: { enabled: false }, api: { port: 0 },
  }, 'latency-bench', {});
  const running = await startRoles(loaded, ['edge', 'api'], log);
  const browser = await chromium.launchPersistentContext(await mkdtemp(path.join(dir, 'chromium-')), {
    executablePath: opts.chromiumPath ?? '/usr/bin/chromium', headless: true, bypassCSP: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
      // where loopback is the only interface, Chromium gathers no ICE candidates without it
      '--allow-loopback-in-peer-connection'],
  });
  try {
    const page = await browser.newPage();
    // the player page and its media are authenticated by the session cookie of a signed-in viewer
    await signInPage(page, running.apiUrl!, await createUser(running.ctx.repos, 'viewer'));
    const player = `${running.apiUrl}/player/${CAMERA}`;
    const webrtc = await measure(page, sim, player, 'webrtc', samples);
    const hls = await measure(page, sim, `${player}?transport=hls`, 'hls', samples);
    return { webrtc, hls };
  } finally {
    await browser.close();
    await running.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
