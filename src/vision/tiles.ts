import { unionBox } from '../core/geometry.ts';
import type { BBox, Detection } from '../core/types.ts';
import type { DetectOptions, DetectResult, Detector } from './detectors/types.ts';
import { decodeFrame, type FrameImage } from './frame-input.ts';
import { insideShare } from './motion/crop.ts';
import { nmsPerClass } from './nms.ts';

/** The `detection.tiles` configuration section. */
export interface TileOptions {
  enabled: boolean;
  /** an area whose longer side exceeds this (source pixels) is split into tiles of at most this side */
  max_side: number;
  /** share of a tile's side shared with its neighbour */
  overlap: number;
}

/**
 * Overlapping tiles covering `region` (source pixels), none with a side over max_side (so none is
 * shrunk more than max_side / the model's input size); the region itself when it already fits.
 * Tiles are spread evenly, edge to edge of the region.
 */
export function tileGrid(region: BBox, opts: Pick<TileOptions, 'max_side' | 'overlap'>): BBox[] {
  const [x1, y1, x2, y2] = region;
  const maxSide = opts.max_side;
  const w = x2 - x1;
  const h = y2 - y1;
  if (Math.max(w, h) <= maxSide) return [region];
  // square tiles (the model input is square: a wider tile is shrunk more), as large as the short side allows
  const side = Math.min(maxSide, w, h);
  const cols = spans(x1, w, side, opts.overlap);
  const rows = spans(y1, h, side, opts.overlap);
  return rows.flatMap(([top, bottom]) => cols.map(([left, right]): BBox => [left, top, right, bottom]));
}

/** Intervals of `length` spread evenly over [start, start + total], neighbours sharing at least overlap × length. */
function spans(start: number, total: number, length: number, overlap: number): [number, number][] {
  if (total <= length) return [[start, start + total]];
  const n = Math.ceil((total - overlap * length) / (length - overlap * length));
  const step = (total - length) / (n - 1);
  return Array.from({ length: n }, (_, i) => [Math.round(start + i * step), Math.round(start + i * step + length)]);
}

export interface TileResult {
  tile: BBox;
  detections: readonly Detection[];
}

/** Pixels within which a box edge counts as lying on its tile's edge (boxes are clamped to the tile). */
const EDGE_PX = 2;
/** Share of the smaller of two boxes that must overlap for them to be one object cut by a tile border. */
const CUT_OVERLAP = 0.5;

interface Piece {
  det: Detection;
  tile: number;
  /** the box ends on an edge of its tile that is inside `frame`: the tile may have cut the object */
  cut: boolean;
}

/**
 * Detections of several tiles of one frame as one frame's detections: an object cut by a tile
 * border (its box ends on an inner tile edge) is merged with the overlapping box another tile
 * found for it (union box, higher score), then per-class NMS removes objects both tiles saw whole.
 */
export function mergeTiles(results: readonly TileResult[], frame: BBox, nmsIou: number): Detection[] {
  let pieces: Piece[] = results.flatMap((r, tile) => r.detections.map((det) => ({ det, tile, cut: isCut(det.bbox, r.tile, frame) })));
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < pieces.length && !merged; i++) {
      for (let j = i + 1; j < pieces.length && !merged; j++) {
        const a = pieces[i]!;
        const b = pieces[j]!;
        if (a.tile === b.tile || a.det.class !== b.det.class || !(a.cut || b.cut) || overlapOfSmaller(a.det.bbox, b.det.bbox) < CUT_OVERLAP) continue;
        const det = { ...(a.det.confidence >= b.det.confidence ? a.det : b.det), bbox: unionBox([a.det.bbox, b.det.bbox]) };
        pieces = [...pieces.filter((p) => p !== a && p !== b), { det, tile: -1, cut: false }];
        merged = true;
      }
    }
  }
  return nmsPerClass(pieces.map((p) => p.det), nmsIou);
}

function isCut(b: BBox, tile: BBox, frame: BBox): boolean {
  const on = (v: number, edge: number, frameEdge: number): boolean => Math.abs(v - edge) <= EDGE_PX && Math.abs(edge - frameEdge) > EDGE_PX;
  return on(b[0], tile[0], frame[0]) || on(b[1], tile[1], frame[1]) || on(b[2], tile[2], frame[2]) || on(b[3], tile[3], frame[3]);
}

/** The share of the smaller box that lies inside the other. */
const overlapOfSmaller = (a: BBox, b: BBox): number => Math.max(insideShare(a, b), insideShare(b, a));

/**
 * Runs the detector on each tile of one frame (one after the other: a detector serves one call at
 * a time; the frame decoded once) and merges the boxes.
 */
export async function detectTiles(detector: Pick<Detector, 'detect'>, jpeg: Uint8Array, tiles: readonly BBox[], nmsIou: number): Promise<DetectResult> {
  const frame = await decodeFrame(jpeg);
  const results: TileResult[] = [];
  let inferenceMs = 0;
  let size = { width: 0, height: 0 };
  for (const tile of tiles) {
    const r = await detector.detect(frame, { region: tile });
    results.push({ tile, detections: r.detections });
    inferenceMs += r.inferenceMs;
    size = { width: r.width, height: r.height };
  }
  return { ...size, detections: mergeTiles(results, [0, 0, size.width, size.height], nmsIou), inferenceMs };
}

/**
 * Frames, tiled or not, in model calls of at most `maxBatch` inputs each: every tile of a tiled
 * frame is an input of its own (the frame decoded once), so a large frame's tiles share calls
 * with each other and with other cameras' frames; a tiled frame's boxes are merged as by
 * detectTiles. Results in frame order.
 */
export async function detectBatched(detector: Required<Pick<Detector, 'detectBatch'>>, frames: readonly { jpeg: Uint8Array; opts?: DetectOptions }[], maxBatch: number, nmsIou: number): Promise<DetectResult[]> {
  const inputs: { jpeg: FrameImage; opts?: DetectOptions }[] = [];
  const firstInput: number[] = [];
  for (const f of frames) {
    firstInput.push(inputs.length);
    const tiles = f.opts?.tiles;
    if (!tiles) {
      inputs.push(f);
      continue;
    }
    const frame = await decodeFrame(f.jpeg);
    for (const tile of tiles) inputs.push({ jpeg: frame, opts: { region: tile } });
  }
  const results: DetectResult[] = [];
  for (let at = 0; at < inputs.length; at += Math.max(1, maxBatch)) results.push(...await detector.detectBatch(inputs.slice(at, at + maxBatch)));
  return frames.map((f, i) => {
    const tiles = f.opts?.tiles;
    const first = results[firstInput[i]!]!;
    if (!tiles) return first;
    const own = results.slice(firstInput[i], firstInput[i]! + tiles.length);
    const merged = mergeTiles(tiles.map((tile, t) => ({ tile, detections: own[t]!.detections })), [0, 0, first.width, first.height], nmsIou);
    return { width: first.width, height: first.height, detections: merged, inferenceMs: own.reduce((ms, r) => ms + r.inferenceMs, 0) };
  });
}
