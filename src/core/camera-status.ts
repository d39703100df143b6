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
  /** frames per second the source sends (its stream's declared rate); null until first connected */
  sourceFps: number | null;
  /** frames per second handed to analysis (keyframes, or the camera's analysis fps) */
  analysisFps: number;
  bitrateKbps: number;
}

export type CameraStatusSource = (cameraId: string) => CameraStatus | undefined;
