import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector } from './detectors/registry.ts';
import type { DetectJob, DetectorWorkerData, WorkerReply } from './worker-protocol.ts';

/** One detector model per thread; jobs arrive one at a time from the pool. */
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const { model, filter } = workerData as DetectorWorkerData;
const detector = await loadDetector(model, filter);
const reply = (msg: WorkerReply): void => port.postMessage(msg);

port.on('message', (job: DetectJob) => {
  detector.detect(job.jpeg, job.opts).then(
    (result) => reply({ type: 'result', id: job.id, result }),
    // a bad frame fails its own job only; the model stays loaded
    (err: unknown) => reply({ type: 'failed', id: job.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
reply({ type: 'ready' });
