import { INT64, OnnxGraphBuilder, type Dim } from '../onnx-builder.ts';

/**
 * Builds small ONNX models for tests (no weights can be downloaded): YOLO-shaped detectors whose
 * class scores are the mean red, green and blue of image cells, so a pure red square covering one
 * cell is a "person" (class 0) exactly there. Boxes are the cells (constants added to the graph).
 */

class GraphBuilder extends OnnxGraphBuilder {
  /** [B, 3, S, S] → [B, 3 + extra, cells]: per cell of side `cell`, `extra` zero channels then mean R, G, B. */
  cellMeans(images: string, cell: number, zeroChannels: number, sumChannel = false): string {
    const pooled = this.op('AveragePool', [images], { kernel_shape: { ints: [cell, cell] }, strides: { ints: [cell, cell] } });
    const zeros = this.op('Conv', [pooled, this.constant([zeroChannels, 3, 1, 1], new Array(zeroChannels * 3).fill(0))]);
    const parts = [zeros, ...(sumChannel ? [this.op('Conv', [pooled, this.constant([1, 3, 1, 1], [1, 1, 1])])] : []), pooled];
    const channels = zeroChannels + (sumChannel ? 1 : 0) + 3;
    const joined = this.op('Concat', parts, { axis: { int: 1 } });
    return this.op('Reshape', [joined, this.constant([3], [0, channels, -1], INT64)]);
  }
}

export interface TestModelOptions {
  /** input side (default 64) */
  size?: number;
  /** 'dynamic' makes the batch dimension symbolic (batching possible) */
  batch?: 1 | 'dynamic';
  /** makes height and width symbolic: the detector must take the size from its config */
  dynamicSize?: boolean;
  /** Ultralytics-style `names` metadata (default person, bicycle, car; null: none) */
  names?: readonly string[] | null;
}

function inputDims(o: TestModelOptions): Dim[] {
  const size = o.size ?? 64;
  return [o.batch === 'dynamic' ? 'batch' : 1, 3, o.dynamicSize ? 'height' : size, o.dynamicSize ? 'width' : size];
}

function namesMetadata(names: readonly string[] | null = ['person', 'bicycle', 'car']): Record<string, string> {
  return names ? { names: `{${names.map((n, i) => `${i}: '${n}'`).join(', ')}}` } : {};
}

/**
 * YOLOv8-shaped model: output0 `[B, 7, cells]` (transposed: `[B, cells, 7]`), cells of `cell`
 * px (default 16): cx, cy, w, h of the cell, then the cell's mean R, G, B as scores of classes 0–2.
 */
export function yoloV8TestModel(o: TestModelOptions & { cell?: number; transposed?: boolean } = {}): Uint8Array {
  const size = o.size ?? 64;
  const cell = o.cell ?? 16;
  const side = size / cell;
  const g = new GraphBuilder();
  const means = g.cellMeans('images', cell, 4);
  const boxes = new Float32Array(7 * side * side);
  for (let i = 0; i < side * side; i++) {
    boxes[i] = ((i % side) + 0.5) * cell;
    boxes[side * side + i] = (Math.floor(i / side) + 0.5) * cell;
    boxes[2 * side * side + i] = cell;
    boxes[3 * side * side + i] = cell;
  }
  let out = g.op('Add', [means, g.constant([1, 7, side * side], boxes)]);
  if (o.transposed) out = g.op('Transpose', [out], { perm: { ints: [0, 2, 1] } });
  out = g.op('Identity', [out], undefined, 'output0');
  const batch = o.batch === 'dynamic' ? 'batch' : 1;
  return g.model([{ name: 'images', dims: inputDims(o) }], [{ name: out, dims: o.transposed ? [batch, side * side, 7] : [batch, 7, side * side] }], namesMetadata(o.names));
}

/**
 * YOLOX-shaped model: output `[B, cells, 8]` over the stride 8, 16 and 32 grids (84 anchors at
 * 64 px): box, objectness (R+G+B mean), mean R, G, B as class scores. Only the stride-16 level
 * scores; the others output zeros. Raw (grid offsets, log sizes) unless `decoded`.
 */
export function yoloxTestModel(o: TestModelOptions & { decoded?: boolean } = {}): Uint8Array {
  const size = o.size ?? 64;
  const g = new GraphBuilder();
  const levels = [8, 16, 32].map((stride) => {
    const side = size / stride;
    const cells = side * side;
    const means = g.cellMeans('images', stride, 4, true);
    const gained = g.op('Mul', [means, g.constant([1], [stride === 16 ? 1 : 0])]);
    const boxes = new Float32Array(8 * cells);
    for (let i = 0; i < cells; i++) {
      const [gx, gy] = [i % side, Math.floor(i / side)];
      const box = o.decoded ? [(gx + 0.5) * stride, (gy + 0.5) * stride, stride, stride] : [0.5, 0.5, 0, 0];
      box.forEach((v, c) => (boxes[c * cells + i] = v));
    }
    return g.op('Add', [gained, g.constant([1, 8, cells], boxes)]);
  });
  const joined = g.op('Concat', levels, { axis: { int: 2 } });
  const out = g.op('Transpose', [joined], { perm: { ints: [0, 2, 1] } }, 'output');
  const anchors = [8, 16, 32].reduce((n, s) => n + (size / s) ** 2, 0);
  return g.model([{ name: 'images', dims: inputDims(o) }], [{ name: out, dims: [o.batch === 'dynamic' ? 'batch' : 1, anchors, 8] }], namesMetadata(o.names));
}

/** A model whose single output is `[1, 3]`: no detector layout fits it. */
export function wrongShapeTestModel(size = 64): Uint8Array {
  const g = new GraphBuilder();
  const pooled = g.op('GlobalAveragePool', ['images']);
  const out = g.op('Reshape', [pooled, g.constant([2], [1, 3], INT64)], undefined, 'output0');
  return g.model([{ name: 'images', dims: [1, 3, size, size] }], [{ name: out, dims: [1, 3] }]);
}

/**
 * A YOLOv8n-sized compute load for benchmarks (~3.3 GMAC at 640 px: strided 3x3 conv stages of
 * 16…256 channels, random weights, ReLU, then a 1x1 head to 84 channels at stride 8). Its scores
 * are noise; only timing means anything.
 */
export function convStackTestModel(size = 640, batch: 1 | 'dynamic' = 'dynamic'): Uint8Array {
  const g = new GraphBuilder();
  let x = 'images';
  let channels = 3;
  let random = 1;
  const weights = (n: number, fanIn: number): number[] => Array.from({ length: n }, () => {
    random = (random * 16807) % 2147483647;
    return ((random / 2147483647) * 2 - 1) / Math.sqrt(fanIn);
  });
  const conv = (out: number, stride: number, kernel = 3): void => {
    x = g.op('Conv', [x, g.constant([out, channels, kernel, kernel], weights(out * channels * kernel * kernel, channels * kernel * kernel))],
      { strides: { ints: [stride, stride] }, pads: { ints: Array(4).fill(kernel >> 1) } });
    x = g.op('Relu', [x]);
    channels = out;
  };
  let stride8: string | undefined;
  for (const [i, out] of [16, 32, 64, 128, 256].entries()) {
    conv(out, 2);
    if (i > 0) for (let r = 0; r < 2; r++) conv(out, 1);
    if (i === 2) stride8 = x;
  }
  x = stride8!;
  channels = 64;
  conv(84, 1, 1);
  const cells = (size / 8) ** 2;
  const out = g.op('Reshape', [x, g.constant([3], [0, 84, -1], INT64)], undefined, 'output0');
  const b = batch === 'dynamic' ? 'batch' : 1;
  return g.model([{ name: 'images', dims: [b, 3, size, size] }], [{ name: out, dims: [b, 84, cells] }]);
}

