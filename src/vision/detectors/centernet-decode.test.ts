import { describe, expect, it } from 'vitest';
import { letterbox } from '../letterbox.ts';
import { decodeCenternet } from './centernet-decode.ts';

const filter = { classes: ['person', 'car'], thresholds: { person: 0.3 }, default_threshold: 0.5, nms_iou: 0.5 };
const lb = letterbox(960, 1080, 512);
const input = { lb, offsetX: 0, offsetY: 0 };
// rows: x1, y1, x2, y2 (model input pixels), score, class id (0 person, 2 car, 7 truck)
const row = (x1: number, y1: number, x2: number, y2: number, score: number, cls: number): number[] => [x1, y1, x2, y2, score, cls];

describe('decodeCenternet', () => {
  it('maps boxes to source pixels and names classes', () => {
    const out = decodeCenternet(row(28, 0, 28 + 455 / 2, 256, 0.7, 0), input, filter);
    expect(out).toEqual([{ class: 'person', confidence: 0.7, bbox: [0, 0, 480, 540] }]);
  });

  it('shifts boxes of a crop region back into frame pixels', () => {
    const crop = { lb: letterbox(256, 256, 512), offsetX: 300, offsetY: 400 };
    const out = decodeCenternet(row(100, 100, 200, 300, 0.7, 0), crop, filter);
    expect(out[0]!.bbox).toEqual([350, 450, 400, 550]);
  });

  it('applies per-class thresholds, the default threshold and the class allow-list', () => {
    const out = decodeCenternet([
      ...row(100, 100, 150, 200, 0.35, 0), // person above its own 0.3
      ...row(300, 100, 350, 200, 0.45, 2), // car below default 0.5
      ...row(300, 300, 350, 400, 0.9, 7), // truck not allowed
      ...row(200, 300, 250, 400, 0.25, 0), // person below 0.3
    ], input, filter);
    expect(out.map((d) => [d.class, d.confidence])).toEqual([['person', 0.35]]);
  });

  it('drops boxes lying in the padding and duplicates of one object', () => {
    const out = decodeCenternet([
      ...row(0, 10, 20, 50, 0.9, 0), // entirely in the left padding
      ...row(100, 100, 150, 200, 0.8, 0),
      ...row(102, 102, 152, 202, 0.6, 0),
      ...row(0, 0, 0, 0, 0, 0), // unused top-K slot
    ], input, filter);
    expect(out).toHaveLength(1);
    expect(out[0]!.confidence).toBe(0.8);
  });
});
