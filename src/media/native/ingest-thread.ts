/**
 * The native ingest of every camera of this process, in one worker thread: the RTSP sessions,
 * depacketising and the recording segment writers run here, so recording goes on while the main
 * thread is busy (a long GC pause, a synchronous decode, a blocked event loop) — RTP is read and
 * segments are written on this thread's clock. The main thread gets a camera's RTP (for live
 * view, snapshots and frames for analysis) batched per frame in transferred buffers only while it
 * wants them (see demanded-rtp.ts), the stream's health about once a second, and every segment
 * and session event as a message. One thread for all cameras: a thread costs ~30 MB
 * (its own heap and module graph), and one event loop keeps up with many cameras' RTP.
 */
import { parentPort } from 'node:worker_threads';
import { createLogger, type Logger } from '../../core/log.ts';
import { H264Depacketizer } from '../feed/h264-depacketizer.ts';
import { TsSegmentWriter } from '../recording/ts-segment-writer.ts';
import { RtspSession } from '../rtsp/session.ts';
import { DemandedRtp, MAX_GOP_BYTES } from './demanded-rtp.ts';
import type { CameraMessage, IngestSetup, ToThread } from './protocol.ts';
import { StreamStatsCounter } from './stream-stats.ts';

/** the camera's health stays this fresh on the main thread however few packets it takes */
const STATS_INTERVAL_MS = 1000;

const port = parentPort!;
const sessions = new Map<string, { session: RtspSession; out: DemandedRtp }>();
/** one logger per level for the thread's life, not one per connection */
const loggers = new Map<string, Logger>();
const loggerAt = (level: string): Logger => loggers.get(level) ?? loggers.set(level, createLogger(level)).get(level)!;

function connect(key: string, setup: IngestSetup, wanted: boolean): void {
  const { cameraId } = setup;
  const post = (m: CameraMessage, transfer: ArrayBuffer[] = []): void => port.postMessage({ ...m, key }, transfer);
  const log = loggerAt(setup.logLevel).child({ component: 'native-ingest', camera_id: cameraId });
  const writer = new TsSegmentWriter({ cameraId, recordingsDir: setup.recordingsDir, segmentSeconds: setup.segmentSeconds, logger: log });
  writer.on('segmentOpened', (value) => post({ type: 'segmentOpened', value }));
  writer.on('segment', (value) => post({ type: 'segment', value }));
  writer.on('segmentDiscarded', (value) => post({ type: 'segmentDiscarded', value }));
  writer.on('storageFailure', (value) => post({ type: 'storageFailure', value }));
  writer.on('storageRecovered', () => post({ type: 'storageRecovered' }));
  const out = new DemandedRtp((data, length, resumed) => post({ type: 'packets', data, length, resumed }, [data]), {
    wanted,
    onGopOverflow: (over) => {
      if (over) log.warn(`the current GOP is over ${MAX_GOP_BYTES / 2 ** 20} MB: not kept, so a new viewer or snapshot waits for the next keyframe`);
      else log.info('the current GOP is kept again');
    },
  });
  const stats = new StreamStatsCounter();
  let framesReported = 0;
  const reportStats = (): void => {
    const value = stats.value;
    if (value.frames === framesReported) return;
    framesReported = value.frames;
    post({ type: 'stats', value });
  };
  const statsTimer = setInterval(reportStats, STATS_INTERVAL_MS);
  const session = new RtspSession({ url: setup.url, timeoutMs: setup.timeoutMs, stallMs: setup.stallMs, log });
  let depacketizer: H264Depacketizer | null = null;
  session.on('track', (info) => {
    depacketizer = new H264Depacketizer((au) => {
      writer.push(au);
      stats.add(au);
      // the first frame says at once that the camera streams
      if (framesReported === 0) reportStats();
    }, { payloadType: info.payloadType, parameterSets: { sps: info.sps, pps: info.pps } });
    post({ type: 'track', value: { payloadType: info.payloadType, profileLevelId: info.profileLevelId, sps: info.sps, pps: info.pps } });
  });
  session.on('rtp', (packet) => {
    // the depacketiser copies what it keeps, and the batcher copies into the buffer it hands over
    depacketizer?.push(packet);
    out.add(packet);
  });
  session.on('close', (failure) => {
    out.flush();
    clearInterval(statsTimer);
    reportStats();
    if (sessions.get(key)?.session === session) sessions.delete(key);
    // the last segment is flushed and reported before the camera worker hears the session ended
    void writer.close().then(() => post({ type: 'close', value: failure }));
  });
  sessions.set(key, { session, out });
  session.start();
}

port.on('message', (m: ToThread) => {
  if (m.type === 'connect' && !sessions.has(m.key)) connect(m.key, m.setup, m.wanted);
  else if (m.type === 'demand') sessions.get(m.key)?.out.setWanted(m.wanted);
  else if (m.type === 'disconnect') sessions.get(m.key)?.session.close();
});
