import type { FrameAnalysis, FrameInput } from '../vision/analyzer.ts';
import { decodeFrames } from './video-frames.ts';

export interface AnalysedFrame {
  frame: number;
  analysis: FrameAnalysis;
}

export interface VideoAnalysis {
  frames: AnalysedFrame[];
  /** frames the analyzer rejected, with the cause (the run goes on without them) */
  failed: { frame: number; error: string }[];
  /** frames asked for that the video does not have (it decoded fewer than the ground truth promises) */
  missing: number[];
  /** size of the decoded pictures */
  size?: { width: number; height: number };
}

/** A fixed origin for the sequence's capture times: only differences matter to the tracker. */
const SEQUENCE_START_MS = Date.UTC(2000, 0, 1);

/**
 * Runs one camera's analysis over the given frames (1-based, ascending) of a video, in capture
 * order, with capture times from the sequence's frame rate (frame n at (n − 1) / fps seconds).
 */
export async function analyseVideo(opts: {
  video: string;
  frames: readonly number[];
  sequenceFps: number;
  analyzer: { analyze(frame: FrameInput): Promise<FrameAnalysis> };
  onFrame?: (done: number, total: number) => void;
}): Promise<VideoAnalysis> {
  if (opts.frames.length === 0) throw new Error('no frames to analyse');
  const wanted = new Set(opts.frames);
  const total = wanted.size;
  const last = Math.max(...opts.frames);
  const out: VideoAnalysis = { frames: [], failed: [], missing: [] };
  for await (const { frame, jpeg } of decodeFrames(opts.video, { want: (n) => wanted.has(n), last })) {
    const timestamp = new Date(SEQUENCE_START_MS + ((frame - 1) / opts.sequenceFps) * 1000);
    try {
      const analysis = await opts.analyzer.analyze({ jpeg, timestamp, seq: frame });
      out.size ??= { width: analysis.width, height: analysis.height };
      out.frames.push({ frame, analysis });
    } catch (e) {
      out.failed.push({ frame, error: (e as Error).message });
    }
    opts.onFrame?.(out.frames.length + out.failed.length, total);
    wanted.delete(frame);
  }
  out.missing = [...wanted].sort((a, b) => a - b);
  return out;
}
