import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { DetectionFilter } from '../filter.ts';
import type { Detector } from './types.ts';
import { DEFAULT_INPUT_SIZE, parseUltralyticsNames, resolveLabels, yoloDetector, type YoloModelConfig } from './yolo-model.ts';

/** `detection.onnx`: a user-supplied YOLO model file run by onnxruntime on the CPU. */
export interface OnnxDetectorConfig extends YoloModelConfig {
  path: string;
  /** onnxruntime intra-op threads (parallelism normally comes from one model per pool worker) */
  threads: number;
}

/**
 * Loads a YOLOv8/YOLO11 or YOLOX ONNX model. The input size is read from the model when it is
 * static; class names from the config, else the model's Ultralytics metadata, else COCO. A
 * missing file, a file that is not a model, or an output no decoder fits fails here, naming the file.
 */
export async function loadOnnxDetector(config: OnnxDetectorConfig, filter: DetectionFilter): Promise<Detector> {
  const file = config.path;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`ONNX model ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: config.threads, interOpNumThreads: 1, executionMode: 'sequential' });
  } catch (err) {
    throw new Error(`ONNX model ${file}: not a loadable ONNX model (${firstLine(err)})`);
  }
  try {
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    if (session.inputNames.length !== 1 || !input?.isTensor || !output?.isTensor) {
      throw new Error(`ONNX model ${file}: expected one image input and a tensor output, found inputs [${session.inputNames.join(', ')}]`);
    }
    const [, channels, h, w] = input.shape;
    if (input.shape.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
      throw new Error(`ONNX model ${file}: input ${input.name} [${input.shape.join(', ')}] is not [batch, 3, height, width]`);
    }
    if (typeof h === 'number' && typeof w === 'number' && h !== w) throw new Error(`ONNX model ${file}: input ${h}x${w} is not square (export with a square imgsz)`);
    const size = typeof h === 'number' ? h : (config.input_size ?? DEFAULT_INPUT_SIZE);
    const names = parseUltralyticsNames(readOnnxMetadata(bytes).names);
    return yoloDetector({
      model: 'onnx',
      source: `ONNX model ${file}`,
      config,
      size,
      labels: resolveLabels(config, names, `ONNX model ${file}`),
      outputDims: output.shape,
      // measured (npm run bench -- --only onnx): batches of 2-4 save nothing per image on the CPU
      batching: false,
      run: async (data, batch) => {
        const tensor = new ort.Tensor('float32', data, [batch, 3, size, size]);
        const result = await session.run({ [input.name]: tensor });
        const out = result[output.name]!;
        tensor.dispose();
        const values = out.data as Float32Array;
        return { data: values, dims: out.dims };
      },
      dispose: () => void session.release(),
    }, filter);
  } catch (err) {
    await session.release();
    throw err;
  }
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * The `metadata_props` of an ONNX ModelProto (field 14; key 1, value 2), read with a minimal
 * protobuf walk because onnxruntime's JS API does not expose them. Malformed input gives {}:
 * onnxruntime reports what is wrong with the file.
 */
export function readOnnxMetadata(buf: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  const text = new TextDecoder();
  const fields = (start: number, end: number, each: (field: number, from: number, to: number) => void): void => {
    let at = start;
    const varint = (): number => {
      let v = 0;
      for (let shift = 0; ; shift += 7) {
        if (at >= end || shift > 49) throw new RangeError('bad varint');
        const b = buf[at++]!;
        v += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return v;
      }
    };
    while (at < end) {
      const key = varint();
      const wire = key % 8;
      if (wire === 0) varint();
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else if (wire === 2) {
        const len = varint();
        if (at + len > end) throw new RangeError('truncated field');
        each(Math.floor(key / 8), at, at + len);
        at += len;
      } else throw new RangeError(`wire type ${wire}`);
    }
  };
  try {
    fields(0, buf.length, (field, from, to) => {
      if (field !== 14) return;
      let k = '';
      let v = '';
      fields(from, to, (f, a, b) => {
        if (f === 1) k = text.decode(buf.subarray(a, b));
        if (f === 2) v = text.decode(buf.subarray(a, b));
      });
      props[k] = v;
    });
  } catch {
    return {};
  }
  return props;
}
