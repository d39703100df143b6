/**
 * Worker-thread entry of the simulator (see startDvrSimThread): serves until the host posts 'stop'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../core/log.ts';
import { startDvrSim, type DvrSimOptions } from './server.ts';
import type { ThreadMessage } from './in-thread.ts';

const { level, ...opts } = workerData as Omit<DvrSimOptions, 'log'> & { level: string };
const host = parentPort!;
const post = (message: ThreadMessage): void => host.postMessage(message);
try {
  const sim = await startDvrSim({ ...opts, log: createLogger(level).child({ component: 'dvr-sim' }) });
  host.on('message', (message: 'stop') => {
    if (message === 'stop') void sim.stop().then(() => host.close());
  });
  post({ port: sim.port });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  post({ error: e.message, code: e.code });
  host.close();
}
