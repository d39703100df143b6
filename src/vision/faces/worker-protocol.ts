import type { BBox } from '../../core/types.ts';
import type { FacePipelineOptions } from './pipeline.ts';
import type { FaceResult } from './types.ts';

export type FaceWorkerData = Partial<FacePipelineOptions>;

export interface FaceJob {
  id: number;
  jpeg: Uint8Array;
  /** set: the face in this person box of a frame; unset: the largest face of a photo */
  personBox?: BBox;
}

export type FaceWorkerReply =
  | { type: 'ready'; dim: number }
  | { type: 'result'; id: number; result: FaceResult }
  /** name: NoFaceError | BadImageError | Error; reason: NoFaceError's short reason */
  | { type: 'error'; id: number; name: string; message: string; reason?: string };
