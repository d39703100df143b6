/** Messages between the camera workers and the native ingest thread they share. */
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import type { Failure } from '../failure.ts';
import type { SourceCodec } from '../webrtc/source-sdp.ts';
import type { StreamStats } from './stream-stats.ts';

/** One camera's connection, posted to the thread: never in a process's arguments (the URL may hold the password). */
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

/**
 * `key` names one camera worker's connection in the thread (two workers of one camera may overlap
 * while it is reconfigured). `wanted`: whether the main thread wants the camera's packets now
 * (something there uses them); the thread sends them only then.
 */
export type ToThread =
  | { type: 'connect'; key: string; setup: IngestSetup; wanted: boolean }
  | { type: 'demand'; key: string; wanted: boolean }
  | { type: 'disconnect'; key: string };

export type CameraMessage =
  | { type: 'track'; value: SourceCodec }
  /**
   * RTP packets, each prefixed with its 16-bit length, in the first `length` bytes of `data`;
   * `resumed`: they start again after a pause (a jump in sequence numbers that is no loss), with
   * the current GOP when the thread holds one
   */
  | { type: 'packets'; data: ArrayBuffer; length: number; resumed: boolean }
  /** about once a second while frames arrive, whether or not their packets are sent */
  | { type: 'stats'; value: StreamStats }
  | { type: 'segmentOpened'; value: SegmentOpened }
  | { type: 'segment'; value: SegmentClosed }
  | { type: 'segmentDiscarded'; value: { cameraId: string; path: string } }
  | { type: 'storageFailure'; value: Failure }
  | { type: 'storageRecovered' }
  /** the session ended (null: asked to), after its last segment was reported */
  | { type: 'close'; value: Failure | null };

export type ThreadMessage = CameraMessage & { key: string };
