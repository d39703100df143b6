import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { DetectJob, DetectorWorkerData, WorkerReply } from '../worker-protocol.ts';

/**
 * Stand-in for worker.ts in pool tests (no model): the "JPEG" text picks the behaviour.
 * `crash` exits the thread, `hang` never answers, `bad` fails the job, anything else answers
 * after 30 ms with width = byte length and height = the thread id.
 */
const port = parentPort!;
const { filter } = workerData as DetectorWorkerData;
if (filter.classes.includes('fail-to-load')) throw new Error('model file missing');
const reply = (msg: WorkerReply): void => port.postMessage(msg);

port.on('message', ({ id, jpeg }: DetectJob) => {
  const text = Buffer.from(jpeg).toString();
  if (text === 'crash') process.exit(3);
  if (text === 'hang') return;
  if (text === 'bad') return reply({ type: 'failed', id, message: 'not a decodable image' });
  setTimeout(() => reply({ type: 'result', id, result: { width: jpeg.length, height: threadId, detections: [], inferenceMs: 30 } }), 30);
});
reply({ type: 'ready' });
