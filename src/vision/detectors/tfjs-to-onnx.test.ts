import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertTfjsGraph, decodeWeights, type TfjsModelJson } from './tfjs-to-onnx.ts';
import { initWasmBackend } from './tfjs-wasm.ts';

/**
 * A small NHWC graph with every op the converter knows, in the attribute encoding tfjs writes
 * (base64 strings, string integer lists); run by tfjs itself and, converted, by onnxruntime.
 */
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const list = (...i: number[]): { list: { i: string[] } } => ({ list: { i: i.map(String) } });
const convAttrs = (stride: number, padding: 'SAME' | 'VALID', fused: string[] = []): Record<string, unknown> => ({
  T: { type: 'DT_FLOAT' }, strides: list(1, stride, stride, 1), dilations: list(1, 1, 1, 1), padding: { s: b64(padding) },
  data_format: { s: b64('NHWC') }, explicit_paddings: { list: {} }, num_args: { i: String(fused.length > 0 ? 1 : 0) },
  fused_ops: { list: { s: fused.map(b64) } }, epsilon: { f: 0 },
});
const T = { T: { type: 'DT_FLOAT' } };

let seed = 7;
const random = (n: number): number[] => Array.from({ length: n }, () => {
  seed = (seed * 16807) % 2147483647;
  return Math.round(((seed / 2147483647) * 2 - 1) * 64) / 64; // exact in float16
});

/** IEEE binary16 bits of a normal number or zero (enough for the test's weights). */
function toHalf(v: number): number {
  if (v === 0) return 0;
  const e = Math.floor(Math.log2(Math.abs(v)));
  return (v < 0 ? 0x8000 : 0) | ((e + 15) << 10) | Math.round((Math.abs(v) / 2 ** e - 1) * 1024);
}

const weights: { name: string; shape: number[]; values: number[]; dtype: 'float32' | 'int32'; half?: boolean }[] = [
  { name: 'w1', shape: [3, 3, 3, 4], values: random(108), dtype: 'float32', half: true },
  { name: 'b1', shape: [4], values: random(4), dtype: 'float32' },
  { name: 'dw', shape: [3, 3, 4, 2], values: random(72), dtype: 'float32' },
  { name: 'db', shape: [8], values: random(8), dtype: 'float32' },
  { name: 'axes', shape: [2], values: [1, 2], dtype: 'int32' },
  { name: 'half', shape: [], values: [0.5], dtype: 'float32' },
  { name: 'one', shape: [], values: [1], dtype: 'float32' },
  { name: 'size', shape: [2], values: [8, 8], dtype: 'int32' },
  { name: 'axis', shape: [], values: [3], dtype: 'int32' },
  { name: 'w2', shape: [1, 1, 11, 2], values: random(22), dtype: 'float32' },
];

const json: TfjsModelJson = {
  modelTopology: {
    node: [
      { name: 'images', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } } as never },
      ...weights.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } as never })),
      { name: 'conv1', op: '_FusedConv2D', input: ['images', 'w1', 'b1'], attr: convAttrs(2, 'SAME', ['BiasAdd', 'Relu']) as never },
      { name: 'dwconv', op: 'FusedDepthwiseConv2dNative', input: ['conv1', 'dw', 'db'], attr: convAttrs(1, 'SAME', ['BiasAdd', 'Relu6']) as never },
      { name: 'mean', op: 'Mean', input: ['dwconv', 'axes'], attr: { keep_dims: { b: true }, Tidx: { type: 'DT_INT32' }, ...T } as never },
      { name: 'se', op: 'Mul', input: ['dwconv', 'mean'], attr: T as never },
      { name: 'halved', op: 'Mul', input: ['half', 'se'], attr: T as never },
      { name: 'plus', op: 'Add', input: ['halved', 'one'], attr: T as never },
      { name: 'clipped', op: 'Relu6', input: ['plus'], attr: T as never },
      { name: 'up', op: 'ResizeBilinear', input: ['clipped', 'size'], attr: { align_corners: { b: false }, half_pixel_centers: { b: false }, ...T } as never },
      { name: 'cat', op: 'ConcatV2', input: ['up', 'images', 'axis'], attr: { N: { i: '2' }, Tidx: { type: 'DT_INT32' }, ...T } as never },
      { name: 'conv2', op: 'Conv2D', input: ['cat', 'w2'], attr: convAttrs(1, 'VALID') as never },
      { name: 'scores', op: 'Sigmoid', input: ['conv2'], attr: T as never },
    ],
  },
  weightsManifest: [{
    paths: ['w.bin'],
    weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype, ...(w.half ? { quantization: { dtype: 'float16' } } : {}) })),
  }],
};

function weightBytes(values = weights): Uint8Array {
  const parts = values.map((w) => {
    if (w.half) return new Uint8Array(Uint16Array.from(w.values, toHalf).buffer);
    return new Uint8Array((w.dtype === 'int32' ? Int32Array.from(w.values) : Float32Array.from(w.values)).buffer);
  });
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

describe('convertTfjsGraph', () => {
  beforeAll(() => initWasmBackend());

  it('decodes float32, int32 and float16-quantised weights', () => {
    const decoded = decodeWeights(json.weightsManifest[0]!.weights, weightBytes());
    expect(Array.from(decoded.get('w1')!.data)).toEqual(weights[0]!.values);
    expect(Array.from(decoded.get('size')!.data)).toEqual([8, 8]);
    expect(decoded.get('size')!.data).toBeInstanceOf(Int32Array);
    expect(() => decodeWeights(json.weightsManifest[0]!.weights, weightBytes().subarray(4))).toThrow(/manifest describes \d+ bytes, shards hold/);
  });

  /** tfjs's output on `json` with its input and resize sizes set to `side`, transposed to NCHW. */
  async function tfjsScores(side: number, pixels: Float32Array): Promise<Float32Array> {
    const values = weights.map((w) => (w.name === 'size' ? { ...w, values: [side, side] } : w));
    const nodes = json.modelTopology.node.map((n) => (n.op === 'Placeholder'
      ? { ...n, attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [1, side, side, 3].map((d) => ({ size: String(d) })) } } } as never }
      : n));
    const model = await loadGraphModel({
      load: async () => ({
        modelTopology: { node: nodes, versions: { producer: 1 } },
        weightSpecs: json.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
        weightData: weightBytes(values).slice().buffer,
      }),
    });
    try {
      return tf.tidy(() => tf.transpose(model.execute(tf.tensor4d(pixels, [1, side, side, 3]), 'scores') as tf.Tensor, [0, 3, 1, 2]).dataSync() as Float32Array);
    } finally {
      model.dispose();
    }
  }

  async function onnxScores(side: number, pixels: Float32Array, inputSide?: number): Promise<{ dims: readonly number[]; data: Float32Array }> {
    const onnx = convertTfjsGraph(json, decodeWeights(json.weightsManifest[0]!.weights, weightBytes()), { outputs: ['scores'], inputSide });
    const session = await ort.InferenceSession.create(onnx);
    try {
      expect(session.inputNames).toEqual(['images']);
      const out = (await session.run({ images: new ort.Tensor('float32', pixels, [1, side, side, 3]) })).scores!;
      return { dims: out.dims, data: out.data as Float32Array };
    } finally {
      await session.release();
    }
  }

  it('computes what tfjs computes on the same graph and weights', async () => {
    const pixels = Float32Array.from(random(8 * 8 * 3), (v) => (v + 1) * 100);
    const expected = await tfjsScores(8, pixels);
    const got = await onnxScores(8, pixels);
    expect(got.dims).toEqual([1, 2, 8, 8]);
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1); // the graph does not saturate: a wrong op would show
    for (let i = 0; i < expected.length; i++) expect(got.data[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('runs at a larger input side with the resize sizes scaled, as tfjs does with them set by hand', async () => {
    const pixels = Float32Array.from(random(16 * 16 * 3), (v) => (v + 1) * 100);
    const expected = await tfjsScores(16, pixels);
    const got = await onnxScores(16, pixels, 16);
    expect(got.dims).toEqual([1, 2, 16, 16]);
    for (let i = 0; i < expected.length; i++) expect(got.data[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('serves a batch of NCHW images, each computing what it computes alone', async () => {
    const side = 8;
    const plane = side * side;
    const images = [0, 1].map(() => Float32Array.from(random(plane * 3), (v) => (v + 1) * 100));
    const alone = await Promise.all(images.map((px) => onnxScores(side, px)));
    // NHWC → NCHW, the two images one after the other
    const nchw = new Float32Array(2 * 3 * plane);
    images.forEach((px, b) => {
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nchw[(b * 3 + c) * plane + i] = px[i * 3 + c]!;
    });
    const onnx = convertTfjsGraph(json, decodeWeights(json.weightsManifest[0]!.weights, weightBytes()), { outputs: ['scores'], serving: true });
    const session = await ort.InferenceSession.create(onnx);
    try {
      const out = (await session.run({ images: new ort.Tensor('float32', nchw, [2, 3, side, side]) })).scores!;
      expect(out.dims).toEqual([2, 2, side, side]);
      const data = out.data as Float32Array;
      const per = data.length / 2;
      alone.forEach((a, b) => a.data.forEach((v, i) => expect(data[b * per + i]).toBeCloseTo(v, 4)));
    } finally {
      await session.release();
    }
  });

  it('refuses an op it does not know, naming it', () => {
    const unknown: TfjsModelJson = {
      ...json,
      modelTopology: { node: [...json.modelTopology.node, { name: 'odd', op: 'Softplus', input: ['scores'] }] },
    };
    expect(() => convertTfjsGraph(unknown, decodeWeights(json.weightsManifest[0]!.weights, weightBytes()), { outputs: ['odd'] }))
      .toThrow('tfjs graph: op Softplus (odd) is not supported');
  });
});
