import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread; from a .ts file when running from sources: Node 20 does not apply
 * `--import tsx` hooks to a worker's entry module, so a bootstrap registers tsx in the thread first.
 */
export function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
