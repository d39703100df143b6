import path from 'node:path';
import { resolveConfig, type LoadedConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { ensureSample } from '../dvr-sim/sample.ts';
import { startDvrSim } from '../dvr-sim/server.ts';

export const DEMO_CHANNELS = 8;
const DEMO_SIM_PORT = 8554;

/**
 * The zero-config demo: the sample clip, the DVR simulator on 127.0.0.1 and a config with one
 * camera per channel, built through the same schema as a real config file.
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
  const raw = {
    sites: [{
      id: 'demo', name: 'Demo site',
      dvrs: [{ id: 'sim', kind: 'cpplus', host: '127.0.0.1', port: sim.port, username: 'admin', password: '' }],
      cameras: Array.from({ length: channels }, (_, i) => ({ id: `cam_${String(i + 1).padStart(3, '0')}`, name: `Channel ${i + 1}`, dvr: 'sim', channel: i + 1 })),
    }],
    storage: { data_dir: opts.dataDir ?? path.join('var', 'demo') },
  };
  return { loaded: resolveConfig(raw, 'demo'), stop: () => sim.stop() };
}
