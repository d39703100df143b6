import { readFileSync } from 'node:fs';
import { COCO_LABELS } from '../coco.ts';
import type { DetectionFilter } from '../filter.ts';
import { prepareModelInput, type FrameImage, type ModelInput } from '../frame-input.ts';
import type { DetectOptions, DetectResult, Detector } from './types.ts';
import { decodeYolo, OutputShapeError, wantedClasses, yoloLayout, type YoloFormat, type YoloLayout } from './yolo-decode.ts';

/** What a YOLO model expects and outputs: the fields shared by `detection.onnx` and `detection.triton`. */
export interface YoloModelConfig {
  format: YoloFormat;
  /** input side when the model does not fix it */
  input_size?: number;
  /** pixel layout of the input tensor (default: rgb-0-1 for yolov8, bgr-0-255 for YOLOX) */
  input_pixels?: InputPixels;
  /** class names in output order, or a file with one per line */
  labels?: readonly string[] | string;
}

export type InputPixels = 'rgb-0-1' | 'rgb-0-255' | 'bgr-0-255';

export const DEFAULT_INPUT_SIZE = 640;

/** One model call on `batch` NCHW float32 images of side `size`; returns the single output tensor. */
export type RunModel = (data: Float32Array, batch: number) => Promise<{ data: Float32Array; dims: readonly number[] }>;

/**
 * Class names, first found: the config (a list, or a file with one name per line), the model's
 * Ultralytics `names` metadata, COCO's 80. `source` names the model in errors.
 */
export function resolveLabels(config: YoloModelConfig, metadataNames: readonly string[] | undefined, source: string): readonly string[] {
  if (typeof config.labels === 'string') {
    let text: string;
    try {
      text = readFileSync(config.labels, 'utf8');
    } catch (err) {
      throw new Error(`${source}: cannot read labels file ${config.labels}: ${(err as Error).message}`);
    }
    const labels = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (!labels.length) throw new Error(`${source}: labels file ${config.labels} has no names`);
    return labels;
  }
  return config.labels ?? metadataNames ?? COCO_LABELS;
}

/** Ultralytics stores class names as a Python dict literal: `{0: 'person', 1: 'bicycle'}`. */
export function parseUltralyticsNames(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const names: string[] = [];
  for (const m of value.matchAll(/(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)) names[Number(m[1])] = (m[2] ?? m[3]!).replace(/\\(.)/g, '$1');
  return names.length && !names.includes(undefined as unknown as string) ? names : undefined;
}

/** Fills `out` (NCHW, one image at `offset`) from letterboxed RGB bytes. */
export function toInputTensor(rgb: Uint8Array, size: number, pixels: InputPixels, out: Float32Array, offset = 0): void {
  const plane = size * size;
  const scale = pixels === 'rgb-0-1' ? 1 / 255 : 1;
  const [r, g, b] = pixels === 'bgr-0-255' ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[offset + r * plane + i] = rgb[p]! * scale;
    out[offset + g * plane + i] = rgb[p + 1]! * scale;
    out[offset + b * plane + i] = rgb[p + 2]! * scale;
  }
}

export interface YoloDetectorParts {
  model: string;
  /** where errors say the model lives (file path, Triton URL) */
  source: string;
  config: YoloModelConfig;
  size: number;
  labels: readonly string[];
  /** output dims as the model declares them (a symbolic batch is fine), for checking the layout at load */
  outputDims: readonly (number | string)[];
  /** the model accepts a batch dimension other than 1 */
  batching: boolean;
  run: RunModel;
  dispose(): void;
}

/**
 * A Detector around any backend running a YOLO model: letterbox (with crop region), input tensor,
 * one call, decode, NMS. The output layout is checked at load when the model declares it, else on
 * the first frame.
 */
export function yoloDetector(parts: YoloDetectorParts, filter: DetectionFilter): Detector {
  const { config, size, labels, source, run } = parts;
  const pixels = config.input_pixels ?? (config.format === 'yolov8' ? 'rgb-0-1' : 'bgr-0-255');
  const wanted = wantedClasses(labels, filter);
  const layoutOf = (dims: readonly number[]): YoloLayout => {
    try {
      return yoloLayout(config.format, dims, size, labels.length);
    } catch (err) {
      const hint = err instanceof OutputShapeError && err.message.includes('class map') ? ' (set labels in the detector config)' : '';
      throw new Error(`${source}: ${err instanceof Error ? err.message : String(err)}${hint}`);
    }
  };
  let layout: YoloLayout | undefined;
  const [, a, b] = parts.outputDims;
  if (parts.outputDims.length !== 3 || (typeof a === 'number' && typeof b === 'number')) layout = layoutOf(parts.outputDims.map((d) => (typeof d === 'number' ? d : 1)));

  const infer = async (inputs: readonly { jpeg: FrameImage; opts?: DetectOptions }[]): Promise<DetectResult[]> => {
    const prepared: ModelInput[] = await Promise.all(inputs.map(({ jpeg, opts }) => prepareModelInput(jpeg, size, opts?.region)));
    const per = 3 * size * size;
    const data = new Float32Array(per * prepared.length);
    prepared.forEach((p, i) => toInputTensor(p.rgb, size, pixels, data, i * per));
    const started = performance.now();
    const out = await run(data, prepared.length);
    const inferenceMs = (performance.now() - started) / prepared.length;
    layout ??= layoutOf(out.dims);
    const perImage = out.data.length / prepared.length;
    if (perImage !== layout.anchors * (layout.classes + (config.format === 'yolov8' ? 4 : 5))) {
      throw new Error(`${source}: output [${out.dims.join(', ')}] does not match the layout read at load (${layout.anchors} anchors, ${layout.classes} classes)`);
    }
    return prepared.map((p, i) => ({
      width: p.frameWidth,
      height: p.frameHeight,
      detections: decodeYolo(out.data, i * perImage, layout!, wanted, p, filter.nms_iou),
      inferenceMs,
    }));
  };

  return {
    model: parts.model,
    detect: async (jpeg, opts) => (await infer([{ jpeg, opts }]))[0]!,
    ...(parts.batching ? { detectBatch: infer } : {}),
    dispose: parts.dispose,
  };
}
