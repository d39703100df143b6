import type { Detection } from '../../core/types.ts';
import type { DetectionFilter } from '../filter.ts';
import { reportedDetection, toFrameBox, type ModelInput } from '../frame-input.ts';
import { area } from '../../core/geometry.ts';
import { nmsPerClass } from '../nms.ts';

/**
 * Output layouts of single-tensor YOLO detectors:
 * - `yolov8` (also YOLO11, YOLOv5u…): `[1, 4+nc, N]` rows cx, cy, w, h (input pixels) then nc class
 *   scores, no objectness; the transposed `[1, N, 4+nc]` is accepted too.
 * - `yolox`: `[1, N, 5+nc]` raw head outputs (the default YOLOX export): x, y offsets in grid cells,
 *   log w, log h, objectness, class scores, on grids of strides 8, 16, 32; decoded here.
 * - `yolox-decoded`: the same exported with `--decode_in_inference` (cx, cy, w, h in input pixels).
 */
export type YoloFormat = 'yolov8' | 'yolox' | 'yolox-decoded';

export const YOLOX_STRIDES = [8, 16, 32] as const;

/** Where each value sits in the flat output tensor. */
export interface YoloLayout {
  format: YoloFormat;
  anchors: number;
  classes: number;
  /** step between consecutive anchors / channels in the flat output */
  anchorStep: number;
  channelStep: number;
  /** YOLOX grid cell of each anchor (x, y, stride), present when the boxes are raw */
  grid?: { x: Int32Array; y: Int32Array; stride: Int32Array };
}

/** An output whose shape does not fit the configured format (a wrong model or format setting). */
export class OutputShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputShapeError';
  }
}

/**
 * Reads the layout from the output dims of one image (batch dim 1 or dynamic). `classCount`, when
 * known (from a label list), decides between the two YOLOv8 orientations; otherwise the smaller
 * dim is the channel dim (N anchors always outnumber 4+nc in real models).
 */
export function yoloLayout(format: YoloFormat, dims: readonly number[], inputSize: number, classCount?: number): YoloLayout {
  const shape = `[${dims.join(', ')}]`;
  if (dims.length !== 3) throw new OutputShapeError(`output ${shape} is not [batch, a, b] (format ${format})`);
  const [, a, b] = dims as [number, number, number];
  if (format === 'yolov8') {
    const transposed = classCount !== undefined ? b === 4 + classCount && a !== 4 + classCount : a > b;
    const [channels, anchors] = transposed ? [b, a] : [a, b];
    if (channels < 5) throw new OutputShapeError(`output ${shape} has no class scores (format yolov8 needs [1, 4+classes, anchors])`);
    if (classCount !== undefined && channels !== 4 + classCount) {
      throw new OutputShapeError(`output ${shape} has ${channels - 4} classes but the class map has ${classCount} names`);
    }
    return { format, anchors, classes: channels - 4, anchorStep: transposed ? channels : 1, channelStep: transposed ? 1 : anchors };
  }
  const grid = format === 'yolox' ? yoloxGrid(inputSize) : undefined;
  // a raw-grid mismatch first: it usually means the wrong format, which also skews the class count
  if (grid && grid.x.length !== a) {
    throw new OutputShapeError(`output ${shape} has ${a} anchors; raw YOLOX at ${inputSize}px has ${grid.x.length} (strides ${YOLOX_STRIDES.join('/')}); exported with --decode_in_inference? use format yolox-decoded`);
  }
  if (b < 6) throw new OutputShapeError(`output ${shape} has no class scores (format ${format} needs [1, anchors, 5+classes])`);
  if (classCount !== undefined && b !== 5 + classCount) throw new OutputShapeError(`output ${shape} has ${b - 5} classes but the class map has ${classCount} names`);
  const layout: YoloLayout = { format, anchors: a, classes: b - 5, anchorStep: b, channelStep: 1 };
  if (grid) layout.grid = grid;
  return layout;
}

/** Grid cells of YOLOX heads, strides 8, 16, 32, row-major within each level (its export order). */
export function yoloxGrid(inputSize: number): { x: Int32Array; y: Int32Array; stride: Int32Array } {
  const cells = YOLOX_STRIDES.map((s) => Math.floor(inputSize / s) ** 2).reduce((n, c) => n + c, 0);
  const grid = { x: new Int32Array(cells), y: new Int32Array(cells), stride: new Int32Array(cells) };
  let i = 0;
  for (const s of YOLOX_STRIDES) {
    const side = Math.floor(inputSize / s);
    for (let gy = 0; gy < side; gy++) {
      for (let gx = 0; gx < side; gx++, i++) {
        grid.x[i] = gx;
        grid.y[i] = gy;
        grid.stride[i] = s;
      }
    }
  }
  return grid;
}

/** Classes the filter wants, as model class ids with their thresholds. */
export interface WantedClasses {
  ids: Int32Array;
  thresholds: Float32Array;
  labels: readonly string[];
  /** lowest threshold: anchors whose objectness is below it are skipped */
  min: number;
}

export function wantedClasses(labels: readonly string[], filter: DetectionFilter): WantedClasses {
  const ids: number[] = [];
  const thresholds: number[] = [];
  labels.forEach((label, id) => {
    if (!filter.classes.includes(label)) return;
    ids.push(id);
    thresholds.push(filter.thresholds[label] ?? filter.default_threshold);
  });
  return { ids: Int32Array.from(ids), thresholds: Float32Array.from(thresholds), labels, min: thresholds.length ? Math.min(...thresholds) : Infinity };
}

/** Boxes kept for NMS at most, best first: bounds the quadratic NMS on a degenerate output. */
export const MAX_CANDIDATES = 1000;

/**
 * Decodes one image's YOLO output into source-frame detections: per anchor the best wanted class
 * over its threshold (YOLOX: objectness × class score), boxes mapped out of the letterbox and the
 * crop region, boxes lying in the padding dropped, then per-class NMS.
 */
export function decodeYolo(
  out: Float32Array,
  offset: number,
  layout: YoloLayout,
  wanted: WantedClasses,
  input: Pick<ModelInput, 'lb' | 'offsetX' | 'offsetY'>,
  nmsIou: number,
): Detection[] {
  const { anchors, anchorStep: as, channelStep: cs, grid } = layout;
  const scoreStart = layout.format === 'yolov8' ? 4 : 5;
  const candidates: { anchor: number; k: number; score: number }[] = [];
  for (let i = 0; i < anchors; i++) {
    const base = offset + i * as;
    const obj = layout.format === 'yolov8' ? 1 : out[base + 4 * cs]!;
    if (obj < wanted.min) continue;
    let best = -1;
    let bestScore = 0;
    for (let k = 0; k < wanted.ids.length; k++) {
      const score = obj * out[base + (scoreStart + wanted.ids[k]!) * cs]!;
      if (score >= wanted.thresholds[k]! && score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    if (best >= 0) candidates.push({ anchor: i, k: best, score: bestScore });
  }
  candidates.sort((p, q) => q.score - p.score);
  const found: Detection[] = [];
  for (const { anchor, k, score } of candidates.slice(0, MAX_CANDIDATES)) {
    const base = offset + anchor * as;
    let cx = out[base]!;
    let cy = out[base + cs]!;
    let w = out[base + 2 * cs]!;
    let h = out[base + 3 * cs]!;
    if (grid) {
      const s = grid.stride[anchor]!;
      cx = (cx + grid.x[anchor]!) * s;
      cy = (cy + grid.y[anchor]!) * s;
      w = Math.exp(w) * s;
      h = Math.exp(h) * s;
    }
    const bbox = toFrameBox(input, [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]);
    if (!(area(bbox) > 0)) continue;
    found.push(reportedDetection(wanted.labels[wanted.ids[k]!]!, score, bbox));
  }
  return nmsPerClass(found, nmsIou);
}
