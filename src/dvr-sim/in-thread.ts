/**
 * The simulator on its own thread, for the demo: a real DVR keeps sending whatever its client
 * is doing, so the simulated one must not share the event loop of the Vigil it feeds. In the same
 * thread, every stall of Vigil (CPU load, a slow request) held back the DVR's frames too, and the
 * recordings showed gaps no real DVR would cause.
 */
import { once } from 'node:events';
import { cpPlusUrl } from '../config/cpplus.ts';
import type { Logger } from '../core/log.ts';
import { startWorker } from '../core/start-worker.ts';
import type { StreamIndex } from './rtsp-target.ts';
import type { DvrSimOptions } from './server.ts';

export type ThreadMessage = { port: number } | { error: string; code?: string };

export interface DvrSimThread {
  port: number;
  /** the CP PLUS URL of a channel (contains the password: redact before logging) */
  url(channel: number, stream?: StreamIndex): string;
  /** closes the listener and every client connection, then ends the thread */
  stop(): Promise<void>;
}

/**
 * Starts the simulator in a worker thread; rejects like startDvrSim (with its `code`, e.g.
 * EADDRINUSE). Should the thread die later, `log` says so: the cameras then see their DVR gone.
 */
export async function startDvrSimThread(opts: Omit<DvrSimOptions, 'log'> & { logLevel: string }, log: Logger): Promise<DvrSimThread> {
  const { logLevel, ...simOpts } = opts;
  const worker = startWorker(new URL('./thread.ts', import.meta.url), { ...simOpts, level: logLevel });
  const exited = once(worker, 'exit');
  const started = await new Promise<ThreadMessage>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  }).finally(() => worker.removeAllListeners('message').removeAllListeners('error'));
  if ('error' in started) {
    await exited;
    throw Object.assign(new Error(started.error), { code: started.code });
  }
  let stopping = false;
  worker.on('error', (err) => log.error({ err }, 'dvr-sim thread failed'));
  worker.on('exit', (code) => {
    if (!stopping) log.error({ code }, 'dvr-sim thread exited: the simulated DVR is gone');
  });
  const { port } = started;
  const host = opts.host ?? '127.0.0.1';
  return {
    port,
    url: (channel, stream = 0) => cpPlusUrl({ host, port, username: opts.username ?? 'admin', password: opts.password ?? '', channel, stream }),
    stop: async () => {
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
