import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { DetectJob, DetectorWorkerData, FrameOutcome, WorkerReply } from '../worker-protocol.ts';

/**
 * Stand-in for worker.ts in pool tests (no model): the "JPEG" text picks the behaviour.
 * `crash` exits the thread, `hang` never answers, `bad` fails its frame, anything else answers
 * after 30 ms per job with width = byte length, height = the thread id and inferenceMs = the
 * number of frames in the job. Class `batch` makes it announce batch support; `fail-to-load`
 * makes it fail to start.
 */
const port = parentPort!;
const { filter } = workerData as DetectorWorkerData;
if (filter.classes.includes('fail-to-load')) throw new Error('model file missing');
const reply = (msg: WorkerReply): void => port.postMessage(msg);

port.on('message', ({ id, frames }: DetectJob) => {
  const texts = frames.map((f) => Buffer.from(f.jpeg).toString());
  if (texts.includes('crash')) process.exit(3);
  if (texts.includes('hang')) return;
  const outcomes = frames.map((f, i): FrameOutcome => (texts[i] === 'bad'
    ? { error: 'not a decodable image' }
    : { result: { width: f.jpeg.length, height: threadId, detections: [], inferenceMs: frames.length } }));
  setTimeout(() => reply({ type: 'done', id, outcomes }), 30);
});
reply({ type: 'ready', batch: filter.classes.includes('batch') });
