/** Messages between a camera worker and its native ingest thread. */
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import type { Failure } from '../failure.ts';
import type { SourceCodec } from '../webrtc/source-sdp.ts';

/** Handed to the thread in workerData: never in a process's arguments (the URL may hold the password). */
export interface IngestSetup {
  cameraId: string;
  url: string;
  recordingsDir: string;
  segmentSeconds: number;
  /** connecting, and each RTSP response */
  timeoutMs: number;
  /** no RTP for this long ends the session as stalled */
  stallMs: number;
  logLevel: string;
}

export type ToThread = { type: 'connect' } | { type: 'disconnect' };

export type ThreadMessage =
  | { type: 'track'; value: SourceCodec }
  /** RTP packets, each prefixed with its 16-bit length, in the first `length` bytes of `data` */
  | { type: 'packets'; data: ArrayBuffer; length: number }
  | { type: 'segmentOpened'; value: SegmentOpened }
  | { type: 'segment'; value: SegmentClosed }
  | { type: 'segmentDiscarded'; value: { cameraId: string; path: string } }
  | { type: 'storageFailure'; value: Failure }
  | { type: 'storageRecovered' }
  /** the session ended (null: asked to), after its last segment was reported */
  | { type: 'close'; value: Failure | null };
