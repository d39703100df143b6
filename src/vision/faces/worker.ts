import { parentPort, workerData } from 'node:worker_threads';
import { FacePipeline } from './pipeline.ts';
import { NoFaceError } from './types.ts';
import type { FaceJob, FaceWorkerData, FaceWorkerReply } from './worker-protocol.ts';

const port = parentPort!;
const pipeline = await FacePipeline.load(workerData as FaceWorkerData);
const reply = (msg: FaceWorkerReply): void => port.postMessage(msg);
reply({ type: 'ready', dim: pipeline.dim });

// jobs arrive one at a time (the client waits for each answer): the pipeline is not reentrant
port.on('message', (job: FaceJob) => {
  const work = job.personBox ? pipeline.embedFaceInCrop(job.jpeg, job.personBox) : pipeline.embedImage(job.jpeg);
  work.then(
    (result) => reply({ type: 'result', id: job.id, result }),
    (err: Error) => reply({ type: 'error', id: job.id, name: err.name, message: err.message, reason: err instanceof NoFaceError ? err.reason : undefined }),
  );
});
