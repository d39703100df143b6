import path from 'node:path';
import { resolveConfig, type LoadedConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { ensureSample, samplePlazaPolygon, STREAMS } from '../dvr-sim/sample.ts';
import { startDvrSim } from '../dvr-sim/server.ts';

export const DEMO_CHANNELS = 8;
const DEMO_SIM_PORT = 8554;

/**
 * Demo rules on the first two channels — loitering and a crowd in the plaza — so a few alerts a
 * minute show the alert path without flooding it: the sample's plaza is never empty (so no "any
 * person at night" rule), people cross it in 10–30 s, and the 32 s clip loops (a longer stay is
 * never seen). Night mode keeps the same durations so the demo behaves alike at any hour.
 */
export function demoRules(cameraIds: readonly string[]): object {
  const plaza = { name: 'Plaza', polygon: samplePlazaPolygon(STREAMS.main.width, STREAMS.main.height) };
  const rules = {
    plaza_loitering: { type: 'loitering', zone: 'plaza', params: { seconds: 25 } },
    plaza_crowd: { type: 'crowd', zone: 'plaza', params: { max_people: 5, seconds: 5 } },
  };
  return { night: { time_factor: 1 }, cameras: Object.fromEntries(cameraIds.slice(0, 2).map((id) => [id, { zones: { plaza }, rules }])) };
}

/**
 * The zero-config demo: the sample clip, the DVR simulator on 127.0.0.1 and a config with one
 * camera per channel and the demo rules, built through the same schema as a real config file.
 */
export async function startDemo(log: Logger, opts: { dataDir?: string; simPort?: number; channels?: number } = {}): Promise<{ loaded: LoadedConfig; stop: () => Promise<void> }> {
  const sample = await ensureSample(undefined, log.child({ component: 'sample' }));
  const channels = opts.channels ?? DEMO_CHANNELS;
  const simLog = log.child({ component: 'dvr-sim' });
  const sim = await startDvrSim({ port: opts.simPort ?? DEMO_SIM_PORT, host: '127.0.0.1', channels, main: sample.main, sub: sample.sub, log: simLog })
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      simLog.warn(`port ${opts.simPort ?? DEMO_SIM_PORT} is taken; using a free port`);
      return startDvrSim({ port: 0, host: '127.0.0.1', channels, main: sample.main, sub: sample.sub, log: simLog });
    });
  log.info({ source: sample.source, url: redact(sim.url(1, 0)) }, `demo: DVR simulator serving ${channels} channels`);
  const cameraIds = Array.from({ length: channels }, (_, i) => `cam_${String(i + 1).padStart(3, '0')}`);
  const raw = {
    sites: [{
      id: 'demo', name: 'Demo site',
      dvrs: [{ id: 'sim', kind: 'cpplus', host: '127.0.0.1', port: sim.port, username: 'admin', password: '' }],
      cameras: cameraIds.map((id, i) => ({ id, name: `Channel ${i + 1}`, dvr: 'sim', channel: i + 1 })),
    }],
    storage: { data_dir: opts.dataDir ?? path.join('var', 'demo') },
    rules: demoRules(cameraIds),
  };
  return { loaded: resolveConfig(raw, 'demo'), stop: () => sim.stop() };
}
