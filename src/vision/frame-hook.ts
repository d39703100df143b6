import type { FrameMessage } from '../core/types.ts';
import type { FrameAnalysis } from './analyzer.ts';

/** What a per-frame hook sees: the frame and its analysis, after ai.detections was published. */
export interface AnalysedFrameEvent {
  cameraId: string;
  frame: FrameMessage;
  capturedAt: Date;
  analysis: FrameAnalysis;
}

/**
 * Runs after every analysed frame of every camera, in capture order per camera (e.g. the face
 * pipeline on person tracks: `startInference(ctx, [faceHook])` from run.ts). It is awaited before
 * the camera's next frame, so slow work belongs in the hook's own queue. A hook that throws is
 * logged; the frame still counts as done.
 */
export type FrameHook = (event: AnalysedFrameEvent) => Promise<void> | void;
