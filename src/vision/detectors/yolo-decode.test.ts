import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../coco.ts';
import { letterbox } from '../letterbox.ts';
import { decodeYolo, OutputShapeError, wantedClasses, yoloLayout, yoloxGrid, type YoloFormat } from './yolo-decode.ts';

const LABELS = ['person', 'bicycle', 'car'];
const filter = { classes: ['person', 'car'], thresholds: { person: 0.3 }, default_threshold: 0.5, nms_iou: 0.5 };
// 640x320 frame into a 320 input: scale 0.5, content 320x160, 80 px padding on top
const input = { lb: letterbox(640, 320, 320), offsetX: 0, offsetY: 0 };

interface Anchor { box: [number, number, number, number]; scores: number[]; obj?: number }

/** Builds a flat output: per anchor cx, cy, w, h, [obj], scores, in the format's orientation. */
function tensor(format: YoloFormat | 'yolov8-transposed', anchors: Anchor[]): { data: Float32Array; dims: number[] } {
  const rows = anchors.map((a) => (format.startsWith('yolox') ? [...a.box, a.obj ?? 1, ...a.scores] : [...a.box, ...a.scores]));
  const channels = rows[0]!.length;
  if (format === 'yolov8') {
    const data = new Float32Array(channels * rows.length);
    rows.forEach((row, i) => row.forEach((v, c) => (data[c * rows.length + i] = v)));
    return { data, dims: [1, channels, rows.length] };
  }
  return { data: Float32Array.from(rows.flat()), dims: [1, rows.length, channels] };
}

function decode(format: YoloFormat, t: { data: Float32Array; dims: number[] }, labels = LABELS, inputSize = 320, f = filter) {
  const layout = yoloLayout(format, t.dims, inputSize, labels.length);
  return decodeYolo(t.data, 0, layout, wantedClasses(labels, f), input, f.nms_iou);
}

const person: Anchor = { box: [100, 120, 40, 60], scores: [0.9, 0.1, 0.05] };
const PERSON_IN_FRAME = [160, 20, 240, 140]; // input box [80, 90, 120, 150] out of the letterbox

describe('YOLOv8 / YOLO11 decode', () => {
  it('maps cx, cy, w, h in input pixels to frame pixels and names the class', () => {
    const filler: Anchor = { box: [10, 10, 5, 5], scores: [0.01, 0.02, 0.03] };
    const out = decode('yolov8', tensor('yolov8', [filler, person, filler, filler, filler]));
    expect(out).toEqual([{ class: 'person', confidence: 0.9, bbox: PERSON_IN_FRAME }]);
  });

  it('accepts the transposed [1, N, 4+nc] output', () => {
    const filler: Anchor = { box: [10, 10, 5, 5], scores: [0, 0, 0] };
    const t = tensor('yolov8-transposed', [filler, person, filler, filler, filler, filler, filler, filler]);
    expect(yoloLayout('yolov8', t.dims, 320).anchorStep).toBe(7); // orientation read without labels too
    expect(decode('yolov8', t)).toEqual([{ class: 'person', confidence: 0.9, bbox: PERSON_IN_FRAME }]);
  });

  it('applies per-class thresholds, the default threshold and the class allow-list', () => {
    const out = decode('yolov8', tensor('yolov8', [
      { box: [100, 120, 20, 20], scores: [0.35, 0, 0] }, // person over its own 0.3
      { box: [200, 120, 20, 20], scores: [0, 0, 0.45] }, // car under the default 0.5
      { box: [250, 120, 20, 20], scores: [0, 0.95, 0] }, // bicycle not wanted
      { box: [150, 150, 20, 20], scores: [0.25, 0, 0] }, // person under 0.3
      { box: [50, 150, 20, 20], scores: [0.4, 0, 0.6] }, // best wanted class wins
    ]));
    expect(out.map((d) => [d.class, d.confidence])).toEqual([['car', 0.6], ['person', 0.35]]);
  });

  it('uses a custom class map', () => {
    const out = decode('yolov8', tensor('yolov8', [person, { box: [200, 150, 10, 10], scores: [0, 0.8, 0] }]), ['intruder', 'dog', 'van'], 320,
      { ...filter, classes: ['intruder', 'dog'] });
    expect(out.map((d) => d.class)).toEqual(['intruder', 'dog']);
  });

  it('merges duplicates of one object and drops boxes in the padding', () => {
    const out = decode('yolov8', tensor('yolov8', [
      person,
      { box: [101, 121, 40, 60], scores: [0.7, 0, 0] },
      { box: [100, 40, 20, 20], scores: [0.9, 0, 0] }, // y 30..50: inside the 80 px top padding
    ]));
    expect(out).toEqual([{ class: 'person', confidence: 0.9, bbox: PERSON_IN_FRAME }]);
  });

  it('shifts boxes of a crop region back into frame pixels', () => {
    const t = tensor('yolov8', [{ box: [160, 160, 64, 64], scores: [0.9, 0, 0] }]);
    const crop = { lb: letterbox(100, 100, 320), offsetX: 300, offsetY: 200 };
    const out = decodeYolo(t.data, 0, yoloLayout('yolov8', t.dims, 320, 3), wantedClasses(LABELS, filter), crop, 0.5);
    expect(out[0]!.bbox).toEqual([340, 240, 360, 260]);
  });

  it('reads the second image of a batch at its offset', () => {
    const a = tensor('yolov8', [person, person]);
    const b = tensor('yolov8', [{ box: [200, 160, 20, 20], scores: [0, 0, 0.8] }, { ...person, scores: [0, 0, 0] }]);
    const batch = new Float32Array([...a.data, ...b.data]);
    const layout = yoloLayout('yolov8', [2, 7, 2], 320, 3);
    const out = decodeYolo(batch, a.data.length, layout, wantedClasses(LABELS, filter), input, 0.5);
    expect(out.map((d) => d.class)).toEqual(['car']);
  });
});

describe('YOLOX decode', () => {
  it('multiplies objectness and class score (exported with --decode_in_inference)', () => {
    const out = decode('yolox-decoded', tensor('yolox-decoded', [
      { ...person, obj: 0.5 }, // 0.45 person
      { box: [200, 150, 20, 20], scores: [0, 0, 0.9], obj: 0.5 }, // 0.45 car: under 0.5
    ]));
    expect(out).toEqual([{ class: 'person', confidence: 0.45, bbox: PERSON_IN_FRAME }]);
  });

  it('decodes raw head outputs on the stride 8/16/32 grids', () => {
    const size = 64; // 8x8 + 4x4 + 2x2 = 84 anchors
    const grid = yoloxGrid(size);
    expect(grid.x.length).toBe(84);
    const anchors: Anchor[] = Array.from({ length: 84 }, () => ({ box: [0, 0, 0, 0], scores: [0, 0, 0], obj: 0 }));
    anchors[64 + 1 * 4 + 2] = { box: [0.5, 0.5, 0, Math.log(2)], scores: [0.9, 0, 0], obj: 1 }; // stride 16, cell (2, 1): 16x32 box centred at (40, 24)
    anchors[80 + 3] = { box: [0, 0, Math.log(0.5), Math.log(0.5)], scores: [0, 0, 0.8], obj: 1 }; // stride 32, cell (1, 1): 16x16 at (32, 32)
    const t = tensor('yolox', anchors);
    const out = decodeYolo(t.data, 0, yoloLayout('yolox', t.dims, size, 3), wantedClasses(LABELS, filter), { lb: letterbox(64, 64, 64), offsetX: 0, offsetY: 0 }, 0.5);
    expect(out).toEqual([
      { class: 'person', confidence: 0.9, bbox: [32, 8, 48, 40] },
      { class: 'car', confidence: 0.8, bbox: [24, 24, 40, 40] },
    ]);
  });
});

describe('yoloLayout', () => {
  it('reads COCO YOLOv8 at 640 px', () => {
    expect(yoloLayout('yolov8', [1, 84, 8400], 640, COCO_LABELS.length)).toMatchObject({ anchors: 8400, classes: 80, anchorStep: 1, channelStep: 8400 });
    expect(yoloLayout('yolox', [1, 8400, 85], 640, COCO_LABELS.length)).toMatchObject({ anchors: 8400, classes: 80 });
  });

  it('names the mismatch between a model and its format or labels', () => {
    expect(() => yoloLayout('yolov8', [1, 8400], 640)).toThrow(OutputShapeError);
    expect(() => yoloLayout('yolov8', [1, 84, 8400], 640, 3)).toThrow('80 classes but the class map has 3 names');
    expect(() => yoloLayout('yolox', [1, 8400, 85], 320)).toThrow(/2100 \(strides 8\/16\/32\).*yolox-decoded/);
    expect(() => yoloLayout('yolox-decoded', [1, 8400, 4], 640)).toThrow('no class scores');
  });
});
