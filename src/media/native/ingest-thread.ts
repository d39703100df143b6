/**
 * A camera's native ingest, in a worker thread of its own: the RTSP session, depacketising and
 * the recording segment writer run here, so recording goes on while the main thread is busy
 * (a long GC pause, a synchronous decode, a blocked event loop) — RTP is read and segments are
 * written on this thread's clock. The main thread gets the RTP (for live view, snapshots and
 * frames for analysis) batched per frame in transferred buffers, and every segment and session
 * event as a message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../core/log.ts';
import { H264Depacketizer } from '../feed/h264-depacketizer.ts';
import { TsSegmentWriter } from '../recording/ts-segment-writer.ts';
import { RtspSession } from '../rtsp/session.ts';
import { RtpBatcher } from './rtp-batch.ts';
import type { IngestSetup, ThreadMessage, ToThread } from './protocol.ts';

const setup = workerData as IngestSetup;
const port = parentPort!;
const log = createLogger(setup.logLevel).child({ component: 'native-ingest', camera_id: setup.cameraId });
const post = (m: ThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const batcher = new RtpBatcher((data, length) => post({ type: 'packets', data, length }, [data]));
let session: RtspSession | null = null;

function connect(): void {
  const writer = new TsSegmentWriter({ cameraId: setup.cameraId, recordingsDir: setup.recordingsDir, segmentSeconds: setup.segmentSeconds, logger: log });
  writer.on('segmentOpened', (value) => post({ type: 'segmentOpened', value }));
  writer.on('segment', (value) => post({ type: 'segment', value }));
  writer.on('segmentDiscarded', (value) => post({ type: 'segmentDiscarded', value }));
  writer.on('storageFailure', (value) => post({ type: 'storageFailure', value }));
  writer.on('storageRecovered', () => post({ type: 'storageRecovered' }));
  const s = new RtspSession({ url: setup.url, timeoutMs: setup.timeoutMs, stallMs: setup.stallMs, log });
  let depacketizer: H264Depacketizer | null = null;
  s.on('track', (info) => {
    depacketizer = new H264Depacketizer((au) => writer.push(au), { payloadType: info.payloadType, parameterSets: { sps: info.sps, pps: info.pps } });
    post({ type: 'track', value: { payloadType: info.payloadType, profileLevelId: info.profileLevelId, sps: info.sps, pps: info.pps } });
  });
  s.on('rtp', (packet) => {
    // the depacketiser copies what it keeps, and the batcher copies into the buffer it hands over
    depacketizer?.push(packet);
    batcher.add(packet);
  });
  s.on('close', (failure) => {
    batcher.flush();
    if (session === s) session = null;
    // the last segment is flushed and reported before the main thread hears the session ended
    void writer.close().then(() => post({ type: 'close', value: failure }));
  });
  session = s;
  s.start();
}

port.on('message', (m: ToThread) => {
  if (m.type === 'connect' && !session) connect();
  else if (m.type === 'disconnect') session?.close();
});
