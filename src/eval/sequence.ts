import { clipToFrame, ignoreBelowHeight, readGroundTruth, readSeqInfo, type Frames, type GtBox, type GtFormat } from './mot-format.ts';
import { sampledFrames, videoFrameRate, videoSize } from './video-frames.ts';

export interface SequenceOptions {
  gt: string;
  gtFormat: GtFormat;
  video?: string;
  /** analyse N frames per second of the sequence (default: every frame) */
  fps?: number;
  /** the sequence's frame rate when there is no seqinfo.ini beside the ground truth */
  gtFps?: number;
  /** ground-truth boxes shorter than this (px) are ignore regions */
  minHeight: number;
}

export interface Sequence {
  gt: Frames<GtBox>;
  /** frames to analyse and score (1-based, ascending) */
  frames: number[];
  sequenceFps: number;
  sequenceFpsSource: 'seqinfo.ini' | '--gt-fps' | 'video header' | 'assumed';
  lastFrame: number;
  /** the frame size the ground truth is clipped to (seqinfo.ini, else the video's), when known */
  size?: { width: number; height: number };
}

const ASSUMED_FPS = 25;

/**
 * Ground truth plus which frames are scored: all frames up to the last one with ground truth (or
 * seqLength), or with `fps` the frames sampled at that rate. The sequence's capture rate comes
 * from seqinfo.ini (a video header can be wrong: PETS09's AVI says 10 fps, the capture was 7),
 * else --gt-fps, else the video header. Boxes are clipped to the frame (seqinfo.ini's imWidth ×
 * imHeight, else the video's size).
 */
export function openSequence(opts: SequenceOptions): Sequence {
  const info = readSeqInfo(opts.gt);
  const size = info.imWidth && info.imHeight ? { width: info.imWidth, height: info.imHeight } : opts.video ? videoSize(opts.video) : undefined;
  const read = readGroundTruth(opts.gt, opts.gtFormat);
  // clipped before the height test: what counts is how much of the person the frame shows
  const gt = ignoreBelowHeight(size ? clipToFrame(read, size.width, size.height) : read, opts.minHeight);
  if (gt.size === 0) throw new Error(`no ground-truth boxes in ${opts.gt}`);
  let sequenceFps: number | undefined = info.frameRate;
  let sequenceFpsSource: Sequence['sequenceFpsSource'] = 'seqinfo.ini';
  if (!sequenceFps && opts.gtFps) [sequenceFps, sequenceFpsSource] = [opts.gtFps, '--gt-fps'];
  if (!sequenceFps && opts.video) [sequenceFps, sequenceFpsSource] = [videoFrameRate(opts.video), 'video header'];
  if (!sequenceFps) [sequenceFps, sequenceFpsSource] = [ASSUMED_FPS, 'assumed'];
  const lastFrame = info.seqLength ?? Math.max(...gt.keys());
  const frames = opts.fps ? sampledFrames(sequenceFps, opts.fps, lastFrame) : Array.from({ length: lastFrame }, (_, i) => i + 1);
  return { gt, frames, sequenceFps, sequenceFpsSource, lastFrame, size };
}
