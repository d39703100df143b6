import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BBox } from '../core/types.ts';

/**
 * MOTChallenge text files. Ground truth: 2015 `frame,id,x,y,w,h,conf,wx,wy,wz` (conf 0 = "not to be
 * considered") or 2017 `frame,id,x,y,w,h,consider,class,visibility`. Tracker results:
 * `frame,id,x,y,w,h,score,-1,-1,-1`. Frames are 1-based; (x, y) is the top-left corner.
 */
export type GtFormat = 'mot15' | 'mot17';
export const GT_FORMATS: readonly GtFormat[] = ['mot15', 'mot17'];

export interface GtBox {
  id: number;
  bbox: BBox;
  /**
   * An ignore region rather than an object to find: predictions matched to it are neither true nor
   * false positives (MOT15 conf 0; MOT17 distractor classes; boxes below the minimum height).
   */
  ignore: boolean;
  /** the box ran past (or touches) the frame edge: a person cut by it (set by clipToFrame) */
  cut?: boolean;
}

export interface TrackBox {
  id: number;
  bbox: BBox;
  score: number;
}

/** frame number (1-based) → boxes of that frame */
export type Frames<T> = Map<number, T[]>;

// MOT17 classes that are people-like but not scored: a prediction on them is not a false positive
// (person_on_vhcl, static_person, distractor, reflection), as in the MOT16/17 devkit and py-motmetrics.
const MOT17_PEDESTRIAN = 1;
const MOT17_DISTRACTORS = new Set([2, 7, 8, 12]);

interface Row {
  line: number;
  cols: number[];
}

function readRows(file: string, minColumns: number, what: string): Row[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const content = raw.trim();
    if (content === '') return;
    const where = `${file}:${i + 1}`;
    const cells = content.split(/\s*,\s*|\s+/);
    if (cells.length < minColumns) throw new Error(`${where}: expected at least ${minColumns} comma-separated columns, got ${cells.length}: "${content}"`);
    const cols = cells.map(Number);
    const bad = cols.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) throw new Error(`${where}: column ${bad + 1} is not a number: "${cells[bad]}"`);
    const [frame, id, , , w, h] = cols as [number, number, number, number, number, number];
    if (!Number.isInteger(frame) || frame < 1) throw new Error(`${where}: frame must be an integer ≥ 1, got ${cells[0]}`);
    if (!Number.isInteger(id)) throw new Error(`${where}: id must be an integer, got ${cells[1]}`);
    if (w < 0 || h < 0) throw new Error(`${where}: negative box size ${w}x${h}`);
    rows.push({ line: i + 1, cols });
  });
  return rows;
}

const toBBox = (x: number, y: number, w: number, h: number): BBox => [x, y, x + w, y + h];

function push<T>(frames: Frames<T>, frame: number, item: T): void {
  const list = frames.get(frame);
  if (list) list.push(item);
  else frames.set(frame, [item]);
}

/**
 * Reads MOTChallenge ground truth. MOT17 rows of other classes (cars, occluders, …) and
 * consider = 0 rows of non-distractor classes are dropped, as py-motmetrics' CLEAR_MOT_M does.
 */
export function readGroundTruth(file: string, format: GtFormat): Frames<GtBox> {
  const frames: Frames<GtBox> = new Map();
  for (const { cols } of readRows(file, format === 'mot17' ? 9 : 7, 'ground truth')) {
    const [frame, id, x, y, w, h, flag] = cols as [number, number, number, number, number, number, number];
    const bbox = toBBox(x, y, w, h);
    if (format === 'mot15') {
      push(frames, frame, { id, bbox, ignore: flag === 0 });
      continue;
    }
    const cls = cols[7]!;
    if (MOT17_DISTRACTORS.has(cls)) push(frames, frame, { id, bbox, ignore: true });
    else if (cls === MOT17_PEDESTRIAN && flag !== 0) push(frames, frame, { id, bbox, ignore: false });
  }
  return frames;
}

/** Reads tracker output in MOTChallenge result format. */
export function readTracks(file: string): Frames<TrackBox> {
  const frames: Frames<TrackBox> = new Map();
  for (const { cols } of readRows(file, 6, 'tracks')) {
    const [frame, id, x, y, w, h, score = 1] = cols as [number, number, number, number, number, number, number?];
    push(frames, frame, { id, bbox: toBBox(x, y, w, h), score });
  }
  return frames;
}

/** Tracker output as a MOTChallenge result file (the inverse of readTracks). */
export function formatTracks(frames: Frames<TrackBox>): string {
  const round = (n: number) => Math.round(n * 100) / 100;
  // scores keep 6 decimals: re-scoring a saved file ranks detections (AP50) exactly as the run did
  const score6 = (n: number) => Math.round(n * 1e6) / 1e6;
  const lines: string[] = [];
  for (const frame of [...frames.keys()].sort((a, b) => a - b)) {
    for (const { id, bbox: [x1, y1, x2, y2], score } of frames.get(frame)!) {
      lines.push([frame, id, round(x1), round(y1), round(x2 - x1), round(y2 - y1), score6(score), -1, -1, -1].join(','));
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Marks boxes shorter than minHeight as ignore regions (small people are not scored). */
export function ignoreBelowHeight(frames: Frames<GtBox>, minHeight: number): Frames<GtBox> {
  if (minHeight <= 0) return frames;
  return new Map([...frames].map(([f, boxes]) => [f, boxes.map((b) => (b.bbox[3] - b.bbox[1] < minHeight ? { ...b, ignore: true } : b))]));
}

/** Within this many pixels of the frame edge a box counts as cut by it (annotators clip at the edge). */
const EDGE_PX = 1;

/**
 * Clips ground-truth boxes to the frame, as the detectors clip theirs (a box past the edge could
 * never reach IoU 0.5 with a clipped detection of the same person); boxes wholly outside are
 * dropped. Boxes that ran past or touch the edge are marked `cut`.
 */
export function clipToFrame(frames: Frames<GtBox>, width: number, height: number): Frames<GtBox> {
  const out: Frames<GtBox> = new Map();
  for (const [frame, boxes] of frames) {
    const kept: GtBox[] = [];
    for (const b of boxes) {
      const [x1, y1, x2, y2] = b.bbox;
      const clipped: BBox = [Math.max(0, x1), Math.max(0, y1), Math.min(width, x2), Math.min(height, y2)];
      if (clipped[2] <= clipped[0] || clipped[3] <= clipped[1]) continue;
      const cut = x1 < EDGE_PX || y1 < EDGE_PX || x2 > width - EDGE_PX || y2 > height - EDGE_PX;
      kept.push(cut ? { ...b, bbox: clipped, cut } : b);
    }
    out.set(frame, kept);
  }
  return out;
}

export interface SeqInfo {
  frameRate?: number;
  seqLength?: number;
  imWidth?: number;
  imHeight?: number;
}

/** `seqinfo.ini` of a MOTChallenge sequence (`SEQ/seqinfo.ini` beside `SEQ/gt/gt.txt`), when present. */
export function readSeqInfo(gtFile: string): SeqInfo & { file?: string } {
  const dir = path.dirname(path.resolve(gtFile));
  for (const candidate of [path.join(dir, 'seqinfo.ini'), path.join(dir, '..', 'seqinfo.ini')]) {
    let text: string;
    try {
      text = readFileSync(candidate, 'utf8');
    } catch {
      continue;
    }
    const value = (key: string): number | undefined => {
      const m = new RegExp(`^\\s*${key}\\s*=\\s*([0-9.]+)\\s*$`, 'mi').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return { file: candidate, frameRate: value('frameRate'), seqLength: value('seqLength'), imWidth: value('imWidth'), imHeight: value('imHeight') };
  }
  return {};
}
