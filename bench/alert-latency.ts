/**
 * Alert latency in the one-box shape, from frame capture to WebSocket delivery: DVR simulator
 * (vtest) → edge (keyframes, ~1 fps) → inference → ai.detections → rules → event + alert + outbox
 * (one transaction) → relay → alerts.critical / alert_changes → `/ws/alerts`. Every role runs,
 * notify included. A zone_enter rule on the busy plaza raises an alert for each person walking in.
 *
 * Two numbers per alert:
 * - from_capture: arrival on the WebSocket − capture time of the frame on which the rule fired (the
 *   `timestamp` of that ai.detections message);
 * - including_sampling: arrival − capture time of the camera's previous analysed frame. The person
 *   entered after that frame was taken (else it would have fired there), so this bounds the latency
 *   from the real moment of entry, the 1 fps sampling included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { TOPICS, type DetectionMessage } from '../src/core/types.ts';
import { ensureSample, samplePlazaPolygon } from '../src/dvr-sim/sample.ts';
import { startDvrSim } from '../src/dvr-sim/server.ts';
import { ROLES } from '../src/roles/names.ts';
import { startRoles } from '../src/roles/run.ts';
import { authHeaders } from '../test/fixtures/api-auth.ts';
import { AlertFeedClient } from '../test/fixtures/alert-feed.ts';
import { until } from '../test/fixtures/until.ts';
import { percentile } from './detector.ts';

export interface LatencyStats {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface AlertLatencyResult {
  alerts: number;
  /** alerts with a previous analysed frame of their camera (the ones fired on the very first frame have none) */
  alerts_with_previous_frame: number;
  /** from the first frame of the camera to the last alert measured */
  seconds: number;
  from_capture: LatencyStats;
  including_sampling: LatencyStats;
  /** capture interval between consecutive analysed frames of the camera */
  frame_interval_ms: LatencyStats;
  target_p99_ms: number;
  meets_target: boolean;
}

export interface AlertLatencyOptions {
  /** alerts to measure (≥ 20 for a p99 worth the name) */
  alerts?: number;
  timeoutMs?: number;
}

const CAMERA = 'cam_plaza';
const FRAME = { width: 960, height: 1080 };
const TARGET_P99_MS = 2500;
const PASSWORD = 'Bench-Alert-7';

export function latencyStats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50_ms: Math.round(percentile(sorted, 50)), p99_ms: Math.round(percentile(sorted, 99)), max_ms: Math.round(sorted.at(-1) ?? NaN) };
}

/** The capture time of the frame before `at` in a camera's ascending capture times. */
export function previousCapture(captures: number[], at: number): number | undefined {
  let prev: number | undefined;
  for (const t of captures) {
    if (t >= at) break;
    prev = t;
  }
  return prev;
}

export async function benchAlertLatency(opts: AlertLatencyOptions = {}): Promise<AlertLatencyResult> {
  const wanted = opts.alerts ?? 30;
  const log = createLogger('warn');
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-alerts-'));
  const sample = await ensureSample(undefined, log);
  const sim = await startDvrSim({ port: 0, channels: 1, password: PASSWORD, main: sample.main, sub: sample.sub, log });
  const loaded = resolveConfig({
    sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: CAMERA, dvr: 'sim', channel: 1 }] }],
    storage: { data_dir: dir },
    detection: { workers: 1 },
    api: { port: 0 },
    rules: {
      cameras: {
        [CAMERA]: {
          // inertia 1: the frame on which a person is first inside is the one that fires
          zones: { plaza: { polygon: samplePlazaPolygon(FRAME.width, FRAME.height), inertia: 1 } },
          rules: { plaza_enter: { type: 'zone_enter', zone: 'plaza', severity: 'high', alert: true } },
        },
      },
    },
  }, 'bench-alert-latency', { VIGIL_DVR_SIM_PASSWORD: PASSWORD });
  const running = await startRoles(loaded, [...ROLES], log);
  const captures: number[] = [];
  let feed: AlertFeedClient | undefined;
  try {
    await running.ctx.bus.subscribe<DetectionMessage>({
      topic: TOPICS.aiDetections, group: 'bench-alert-latency', start: 'earliest',
      handler: async (rec) => void captures.push(Date.parse(rec.value.timestamp)),
    });
    feed = await AlertFeedClient.connect(running.apiUrl!, await authHeaders(running.apiUrl!, running.ctx.repos, 'viewer'));
    console.error(`alert latency: waiting for ${wanted} alerts on /ws/alerts`);
    const client = feed;
    const news = await until(`${wanted} alerts on /ws/alerts`, opts.timeoutMs ?? 180_000, () => {
      const n = client.alerts().filter((a) => a.change === 'new');
      return n.length >= wanted ? n.slice(0, wanted) : undefined;
    }, 200);
    const fromCapture: number[] = [];
    const withSampling: number[] = [];
    for (const a of news) {
      const firedAt = Date.parse(String(a.alert.triggered_at));
      fromCapture.push(a.receivedAt - firedAt);
      const prev = previousCapture(captures, firedAt);
      if (prev !== undefined) withSampling.push(a.receivedAt - prev);
    }
    const intervals = captures.slice(1).map((t, i) => t - captures[i]!);
    const including = latencyStats(withSampling);
    return {
      alerts: news.length,
      alerts_with_previous_frame: withSampling.length,
      seconds: Math.round((news.at(-1)!.receivedAt - (captures[0] ?? NaN)) / 1000),
      from_capture: latencyStats(fromCapture),
      including_sampling: including,
      frame_interval_ms: latencyStats(intervals),
      target_p99_ms: TARGET_P99_MS,
      meets_target: including.p99_ms <= TARGET_P99_MS,
    };
  } finally {
    await feed?.close();
    await running.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
