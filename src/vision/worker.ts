import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector } from './detectors/registry.ts';
import type { Detector } from './detectors/types.ts';
import { detectBatched, detectTiles } from './tiles.ts';
import type { DetectFrame, DetectJob, DetectorWorkerData, FrameOutcome, WorkerReply } from './worker-protocol.ts';

/** One detector model per thread; jobs (one frame, or a batch when the detector supports it) arrive one at a time. */
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const { model, filter, settings, maxBatch } = workerData as DetectorWorkerData;
const detector = await loadDetector(model, filter, settings);
const reply = (msg: WorkerReply): void => port.postMessage(msg);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function one(d: Detector, frame: DetectFrame): Promise<FrameOutcome> {
  try {
    const tiles = frame.opts?.tiles;
    return { result: tiles ? await detectTiles(d, frame.jpeg, tiles, filter.nms_iou) : await d.detect(frame.jpeg, frame.opts) };
  } catch (err) {
    // a bad frame fails its own job only; the model stays loaded
    return { error: message(err) };
  }
}

async function run(frames: DetectFrame[]): Promise<FrameOutcome[]> {
  // several frames, or one frame's tiles, share model calls when the detector batches
  const { detectBatch } = detector;
  if (detectBatch && maxBatch > 1 && (frames.length > 1 || frames[0]?.opts?.tiles)) {
    try {
      return (await detectBatched({ detectBatch: detectBatch.bind(detector) }, frames, maxBatch, filter.nms_iou)).map((result) => ({ result }));
    } catch {
      // one undecodable frame fails a whole batch: retry frame by frame so only it fails
    }
  }
  const outcomes: FrameOutcome[] = [];
  for (const frame of frames) outcomes.push(await one(detector, frame));
  return outcomes;
}

port.on('message', (job: DetectJob) => {
  void run(job.frames).then((outcomes) => reply({ type: 'done', id: job.id, outcomes }));
});
reply({ type: 'ready', batch: Boolean(detector.detectBatch) });
