import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { INT64, OnnxGraphBuilder, type Dim } from './onnx-builder.ts';

/**
 * Converts a tfjs graph model (model.json + weight shards, NHWC) into an ONNX model (NCHW) that
 * onnxruntime runs, so a detector shipped for tfjs runs on onnxruntime's faster CPU kernels with
 * the same weights. Covers the ops of convolutional detectors (convolutions with fused bias and
 * activation, depthwise convolutions, element-wise arithmetic, squeeze-excite means, bilinear
 * upsampling, concatenation); anything else fails naming the op, rather than converting wrongly.
 * The graph is cut at the requested outputs, so post-processing (peak picking, top-K) stays in
 * TypeScript.
 */

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; b?: boolean; i?: string; list?: { i?: string[]; s?: string[] } }>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: string };
}

export interface TfjsModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

interface Weight {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A half-precision float (IEEE 754 binary16) as a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes the concatenated weight shards per the manifest (float32, float16-quantised float32, int32). */
export function decodeWeights(specs: readonly WeightSpec[], buffer: Uint8Array): Map<string, Weight> {
  const count = (spec: WeightSpec): number => spec.shape.reduce((n, d) => n * d, 1);
  const described = specs.reduce((n, spec) => n + count(spec) * (spec.quantization ? 2 : 4), 0);
  if (described !== buffer.length) throw new Error(`weights: manifest describes ${described} bytes, shards hold ${buffer.length}`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const weights = new Map<string, Weight>();
  let at = 0;
  for (const spec of specs) {
    const n = count(spec);
    let data: Float32Array | Int32Array;
    if (spec.quantization) {
      if (spec.quantization.dtype !== 'float16' || spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: ${spec.quantization.dtype} quantisation is not supported`);
      data = Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(at + 2 * i, true)));
      at += 2 * n;
    } else if (spec.dtype === 'float32' || spec.dtype === 'int32') {
      data = spec.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = spec.dtype === 'float32' ? view.getFloat32(at + 4 * i, true) : view.getInt32(at + 4 * i, true);
      at += 4 * n;
    } else {
      throw new Error(`weight ${spec.name}: dtype ${String(spec.dtype)} is not supported`);
    }
    weights.set(spec.name, { shape: spec.shape, data });
  }
  return weights;
}

type PlaceholderAttr = { shape?: { shape?: { dim?: { size: string }[] } } };

const text = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
const ints = (node: TfNode, key: string): number[] => (node.attr?.[key]?.list?.i ?? []).map(Number);
/** NHWC axis → NCHW axis */
const NCHW_AXIS = [0, 2, 3, 1];

export interface ConvertOptions {
  /** tfjs output tensors to expose (NCHW in the ONNX model), e.g. `tower_0/keypoints` */
  outputs: readonly string[];
  /**
   * Run a fully convolutional graph at another square input side than it was exported at: the
   * input becomes `[1, side, side, C]` and every bilinear resize's constant output size is scaled
   * with it (an upsampling path built for 512 px has fixed sizes). The side must keep every
   * stride's feature map whole (a multiple of the graph's largest stride, 32 for MobileNet).
   */
  inputSide?: number;
  /**
   * Serve the graph as an inference server does: a symbolic batch dimension (tfjs graphs are
   * exported with a batch of 1; a fully convolutional graph runs any batch) and the input in NCHW
   * as `[batch, 3, H, W]`, the layout KServe v2 / Triton clients send, instead of tfjs's NHWC.
   */
  serving?: boolean;
}

/**
 * Converts the part of the graph that computes `outputs`. The ONNX input keeps the tfjs name
 * and NHWC layout (`[1, H, W, 3]`), so callers feed the same pixels as to tfjs (`serving`: NCHW
 * with any batch); outputs are NCHW.
 */
export function convertTfjsGraph(json: TfjsModelJson, weights: Map<string, Weight>, opts: ConvertOptions): Uint8Array {
  const nodes = new Map(json.modelTopology.node.map((n) => [n.name, n]));
  const g = new OnnxGraphBuilder();
  const converted = new Map<string, string>();
  let input: { name: string; dims: Dim[] } | undefined;
  const placeholder = json.modelTopology.node.find((n) => n.op === 'Placeholder');
  const exportedSide = Number((placeholder?.attr as PlaceholderAttr | undefined)?.shape?.shape?.dim?.[1]?.size);
  const sideScale = opts.inputSide ? opts.inputSide / exportedSide : 1;

  const weight = (name: string): Weight => {
    const w = weights.get(name);
    if (!w) throw new Error(`tfjs graph: constant ${name} has no weight`);
    return w;
  };
  const scalarOrTensor = (ref: string): string => {
    const node = nodes.get(ref);
    if (node?.op !== 'Const') return convert(ref);
    const w = weight(ref);
    if (w.data.length !== 1) throw new Error(`tfjs graph: element-wise constant ${ref} of shape [${w.shape.join(', ')}] (only scalars are supported)`);
    return g.constant([], w.data);
  };
  const convFilter = (ref: string, depthwise: boolean): string => {
    const { shape: [kh, kw, cin, cout], data } = weight(ref) as { shape: [number, number, number, number]; data: Float32Array };
    // HWIO (or HW,in,multiplier for depthwise) → OIHW (depthwise: [in*multiplier, 1, H, W])
    const out = new Float32Array(data.length);
    const outChannels = depthwise ? cin * cout : cout;
    const inPerGroup = depthwise ? 1 : cin;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
      const src = ((y * kw + x) * cin + i) * cout + o;
      const [oc, ic] = depthwise ? [i * cout + o, 0] : [o, i];
      out[((oc * inPerGroup + ic) * kh + y) * kw + x] = data[src]!;
    }
    return g.constant([outChannels, inPerGroup, kh, kw], out);
  };
  const activation = (x: string, fused: string): string => {
    if (fused === 'Relu') return g.op('Relu', [x]);
    if (fused === 'Relu6') return g.op('Clip', [x, g.constant([], [0]), g.constant([], [6])]);
    throw new Error(`tfjs graph: fused activation ${fused} is not supported`);
  };

  function conv(node: TfNode, depthwise: boolean): string {
    const [x, filter, bias] = node.input!;
    if (text(node.attr?.data_format?.s) !== 'NHWC') throw new Error(`tfjs graph: ${node.name} is not NHWC`);
    const fused = (node.attr?.fused_ops?.list?.s ?? []).map(text);
    const [, sh, sw] = ints(node, 'strides');
    const [, dh, dw] = ints(node, 'dilations');
    const padding = text(node.attr?.padding?.s);
    if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`tfjs graph: ${node.name} padding ${padding} is not supported`);
    const w = convFilter(filter!, depthwise);
    const inputs = [convert(x!), w];
    if (fused[0] === 'BiasAdd') inputs.push(g.constant([weight(bias!).shape[0]!], weight(bias!).data));
    else if (fused.length > 0) throw new Error(`tfjs graph: ${node.name} fuses ${fused.join('+')} (expected BiasAdd first)`);
    // TF's SAME pads the extra pixel at the end, as ONNX SAME_UPPER does
    let out = g.op('Conv', inputs, {
      strides: { ints: [sh ?? 1, sw ?? 1] }, dilations: { ints: [dh ?? 1, dw ?? 1] },
      auto_pad: { string: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' },
      ...(depthwise ? { group: { int: weight(filter!).shape[2]! } } : {}),
    });
    for (const act of fused.slice(1)) out = activation(out, act);
    return out;
  }

  function convert(ref: string): string {
    const name = ref.replace(/:0$/, '');
    const done = converted.get(name);
    if (done) return done;
    const node = nodes.get(name);
    if (!node) throw new Error(`tfjs graph: no node ${name}`);
    const ins = node.input ?? [];
    let out: string;
    switch (node.op) {
      case 'Placeholder': {
        const dims = (node.attr as PlaceholderAttr | undefined)?.shape?.shape?.dim?.map((d) => Number(d.size)) ?? [];
        if (opts.inputSide) dims.splice(1, 2, opts.inputSide, opts.inputSide);
        if (opts.serving) {
          const [, h, w, c] = dims as [number, number, number, number];
          input = { name, dims: ['batch', c, h, w] };
          out = name;
          break;
        }
        input = { name, dims: dims.map((d) => (d < 0 ? 'batch' : d)) };
        out = g.op('Transpose', [name], { perm: { ints: [0, 3, 1, 2] } });
        break;
      }
      case '_FusedConv2D': case 'Conv2D': out = conv(node, false); break;
      case 'FusedDepthwiseConv2dNative': case 'DepthwiseConv2dNative': out = conv(node, true); break;
      case 'Add': case 'AddV2': case 'Mul': case 'Sub':
        out = g.op(node.op === 'AddV2' ? 'Add' : node.op, [scalarOrTensor(ins[0]!), scalarOrTensor(ins[1]!)]);
        break;
      case 'Relu': case 'Sigmoid': case 'Identity': out = g.op(node.op, [convert(ins[0]!)]); break;
      case 'Relu6': out = activation(convert(ins[0]!), 'Relu6'); break;
      case 'Mean': {
        const axes = Array.from(weight(ins[1]!).data);
        if (axes.join() !== '1,2' || node.attr?.keep_dims?.b !== true) throw new Error(`tfjs graph: ${name} Mean over [${axes.join(', ')}] (only spatial with keep_dims)`);
        out = g.op('GlobalAveragePool', [convert(ins[0]!)]);
        break;
      }
      case 'ResizeBilinear': {
        if (node.attr?.align_corners?.b || node.attr?.half_pixel_centers?.b) throw new Error(`tfjs graph: ${name} align_corners/half_pixel_centers are not supported`);
        const x = convert(ins[0]!);
        // sizes = [N, C] of the input followed by the constant [H, W]
        const nc = g.op('Slice', [g.op('Shape', [x]), g.constant([1], [0], INT64), g.constant([1], [2], INT64)]);
        const hw = Array.from(weight(ins[1]!).data, (v) => v * sideScale);
        if (!hw.every(Number.isInteger)) throw new Error(`tfjs graph: input side ${opts.inputSide} does not divide into ${name}'s size (use a multiple of 32)`);
        const sizes = g.op('Concat', [nc, g.constant([2], hw, INT64)], { axis: { int: 0 } });
        out = g.op('Resize', [x, '', '', sizes], { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'asymmetric' } });
        break;
      }
      case 'ConcatV2': {
        const axis = weight(ins[ins.length - 1]!).data[0]!;
        out = g.op('Concat', ins.slice(0, -1).map(convert), { axis: { int: NCHW_AXIS[axis < 0 ? axis + 4 : axis]! } });
        break;
      }
      default:
        throw new Error(`tfjs graph: op ${node.op} (${name}) is not supported`);
    }
    converted.set(name, out);
    return out;
  }

  const outputs = opts.outputs.map((o) => ({ name: g.op('Identity', [convert(o)], {}, o) }));
  if (!input) throw new Error('tfjs graph: the outputs do not depend on an input');
  return g.model([input], outputs);
}

/** Reads a tfjs graph model from disk (model.json and its shards) and converts it. */
export async function convertTfjsModelFile(jsonPath: string, opts: ConvertOptions): Promise<Uint8Array> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as TfjsModelJson;
  const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(path.join(path.dirname(jsonPath), p))));
  const weights = decodeWeights(json.weightsManifest.flatMap((group) => group.weights), Buffer.concat(shards));
  return convertTfjsGraph(json, weights, opts);
}
