/**
 * Recording recovery after DVR outages: the simulator process is killed at a random moment of the
 * cameras' retry schedule, stays down for a set time, and comes back on the same port; each
 * camera's time from the DVR listening again to its first new segment is measured. Default
 * supervision settings (backoff 1 s → 60 s, probe every second). Requirement: ≤ 5 s whatever
 * the outage length or the moment of the last failed retry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResolvedCamera } from '../src/config/load.ts';
import { configSchema } from '../src/config/schema.ts';
import { createLogger } from '../src/core/log.ts';
import { spawnDvrSim, type DvrSimProcess } from '../src/dvr-sim/process.ts';
import { CameraWorker } from '../src/media/camera-worker.ts';
import { percentile } from './detector.ts';

export interface RecoveryOptions {
  channels: number;
  /** outage lengths in seconds; each is run `killsPerOutage` times */
  outagesSeconds: number[];
  killsPerOutage: number;
  random?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

export async function benchRecovery(o: RecoveryOptions): Promise<Record<string, unknown>> {
  const random = o.random ?? Math.random;
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-recovery-'));
  const stream = configSchema.parse({}).stream;
  let dvr: DvrSimProcess = await spawnDvrSim({ channels: o.channels });
  const opened = new Map<string, number[]>();
  const workers = Array.from({ length: o.channels }, (_, i) => {
    const camera: ResolvedCamera = { id: `cam_${i + 1}`, name: `cam_${i + 1}`, siteId: 'bench', stream: 0, url: dvr.url(i + 1), retentionDays: 1, detect: false };
    const w = new CameraWorker({ camera, stream, segmentSeconds: 10, recordingsDir: dir, logger: createLogger('silent') });
    opened.set(camera.id, []);
    w.on('segmentOpened', (s) => opened.get(s.cameraId)!.push(Date.now()));
    w.start();
    return w;
  });
  const rounds: Array<{ outage_s: number; offset_ms: number; resumed_ms: number[] }> = [];
  try {
    await waitFor(() => [...opened.values()].every((t) => t.length > 0), 30_000);
    for (const outage of o.outagesSeconds) {
      for (let k = 0; k < o.killsPerOutage; k++) {
        // a random moment in the retry schedule: the kill lands anywhere within a second of recording
        const offsetMs = Math.round(random() * 1000);
        await sleep(3000 + offsetMs);
        const port = dvr.port;
        dvr.signal('SIGKILL');
        await sleep(outage * 1000 + random() * 1000);
        const before = new Map([...opened].map(([id, t]) => [id, t.length]));
        dvr = await spawnDvrSim({ port, channels: o.channels });
        const back = Date.now();
        await waitFor(() => [...opened].every(([id, t]) => t.length > before.get(id)!), 90_000);
        rounds.push({ outage_s: outage, offset_ms: offsetMs, resumed_ms: [...opened].map(([id, t]) => (t.length > before.get(id)! ? t[before.get(id)!]! - back : Infinity)) });
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await dvr.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const all = rounds.flatMap((r) => r.resumed_ms).sort((a, b) => a - b);
  const byOutage = Object.fromEntries(o.outagesSeconds.map((s) => {
    const ms = rounds.filter((r) => r.outage_s === s).flatMap((r) => r.resumed_ms).sort((a, b) => a - b);
    return [`${s}s`, { p50_ms: percentile(ms, 50), max_ms: ms.at(-1) }];
  }));
  return {
    channels: o.channels, kills: rounds.length, settings: { backoff_initial_ms: stream.backoff_initial_ms, backoff_max_ms: stream.backoff_max_ms, probe_interval_ms: stream.probe_interval_ms },
    resume_p50_ms: percentile(all, 50), resume_max_ms: all.at(-1), over_5s: all.filter((v) => v > 5000).length, by_outage: byOutage, rounds,
  };
}
