/** Live state of one camera worker, as shown by the API and metrics. */
export interface CameraStatus {
  state: 'starting' | 'streaming' | 'backoff' | 'stopped';
  connected: boolean;
  lastFrameAt: string | null;
  lastSegmentAt: string | null;
  reconnects: number;
  currentBackoffMs: number;
  /** redacted */
  lastError: string | null;
  fps: number;
  bitrateKbps: number;
}

export type CameraStatusSource = (cameraId: string) => CameraStatus | undefined;
