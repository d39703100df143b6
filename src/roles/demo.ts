import path from 'node:path';
import { resolveConfig, type LoadedConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { ensureSample, samplePlazaPolygon, STREAMS } from '../dvr-sim/sample.ts';
import { startDvrSimThread } from '../dvr-sim/in-thread.ts';

export const DEMO_CHANNELS = 8;
/**
 * Channels the demo analyses by default; all of them record and stream live. Measured with the
 * demo on the 2-core box (three 3-minute runs, CPU-s of the process against frames analysed): an
 * analysed keyframe costs ~0.6 CPU-s (detector and faces; vtest has people in every frame, so
 * motion gating saves nothing), a channel sends one per second, and the 8 recording ffmpegs take
 * ~0.27 core. Two analysed channels use ~1.5 of the 2 cores in all; three would need more than 2,
 * and with all eight the detector skipped ~90 % of the keyframes.
 */
export const DEMO_ANALYSED_CHANNELS = 2;
const ANALYSED_CHANNELS_REASON = 'each analysed channel costs ~0.6 core and the 8 recorders ~0.3: two fit the 2-core box this demo is sized for, more would overload it';
const DEMO_SIM_PORT = 8554;
/** where the demo keeps its recordings and database (relative to the working directory) */
const DEMO_DATA_DIR = path.join('var', 'demo');

/**
 * Demo rules on the first two channels — loitering and a crowd in the plaza — so a few alerts a
 * minute show the alert path without flooding it: the sample's plaza is never empty (so no "any
 * person at night" rule), people cross it in 10–30 s, and the 80 s clip loops (a longer stay is
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

/** Analysed channels: as asked, else the default; never fewer than the two the demo rules watch. */
export function demoAnalysedChannels(channels: number, asked = DEMO_ANALYSED_CHANNELS): number {
  return Math.min(channels, Math.max(2, asked));
}

/** The demo's config, before the schema: one camera per channel, detection on the first `analysed`. */
export function demoConfig(o: { simPort: number; channels: number; analysed: number; dataDir: string }): object {
  const cameraIds = Array.from({ length: o.channels }, (_, i) => `cam_${String(i + 1).padStart(3, '0')}`);
  return {
    sites: [{
      id: 'demo', name: 'Demo site',
      dvrs: [{ id: 'sim', kind: 'cpplus', host: '127.0.0.1', port: o.simPort, username: 'admin', password: '' }],
      cameras: cameraIds.map((id, i) => ({ id, name: `Channel ${i + 1}`, dvr: 'sim', channel: i + 1, detect: i < o.analysed })),
    }],
    storage: { data_dir: o.dataDir },
    rules: demoRules(cameraIds),
  };
}

/**
 * The zero-config demo: the sample clip, the DVR simulator on 127.0.0.1 (in its own thread) and a config with one
 * camera per channel and the demo rules, built through the same schema as a real config file.
 */
export async function startDemo(log: Logger, opts: { dataDir?: string; simPort?: number; channels?: number; analysedChannels?: number } = {}): Promise<{ loaded: LoadedConfig; stop: () => Promise<void> }> {
  const sample = await ensureSample(undefined, log.child({ component: 'sample' }));
  const channels = opts.channels ?? DEMO_CHANNELS;
  const simLog = log.child({ component: 'dvr-sim' });
  const simOpts = { host: '127.0.0.1', channels, main: sample.main, sub: sample.sub, logLevel: log.level };
  const sim = await startDvrSimThread({ ...simOpts, port: opts.simPort ?? DEMO_SIM_PORT }, simLog)
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      simLog.warn(`port ${opts.simPort ?? DEMO_SIM_PORT} is taken; using a free port`);
      return startDvrSimThread({ ...simOpts, port: 0 }, simLog);
    });
  log.info({ source: sample.source, url: redact(sim.url(1, 0)) }, `demo: DVR simulator serving ${channels} channels`);
  const analysed = demoAnalysedChannels(channels, opts.analysedChannels);
  log.info({ analysed_channels: analysed, channels }, `demo: analysing channels 1–${analysed} of ${channels} (all ${channels} record and stream live), because ${ANALYSED_CHANNELS_REASON}`);
  const raw = demoConfig({ simPort: sim.port, channels, analysed, dataDir: opts.dataDir ?? DEMO_DATA_DIR });
  return { loaded: resolveConfig(raw, 'demo'), stop: () => sim.stop() };
}

/** The demo's config without starting its simulator: where its data is, for the admin command line. */
export function demoConfigAtRest(): LoadedConfig {
  return resolveConfig(demoConfig({ simPort: DEMO_SIM_PORT, channels: DEMO_CHANNELS, analysed: DEMO_ANALYSED_CHANNELS, dataDir: DEMO_DATA_DIR }), 'demo');
}
