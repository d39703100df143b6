import { describe, expect, it } from 'vitest';
import type { Detection } from '../core/types.ts';
import { nmsPerClass } from './nms.ts';

const det = (cls: string, confidence: number, bbox: Detection['bbox']): Detection => ({ class: cls, confidence, bbox });

describe('nmsPerClass', () => {
  it('merges overlapping boxes of one class into the best scored', () => {
    const out = nmsPerClass([det('person', 0.5, [0, 0, 10, 20]), det('person', 0.9, [1, 1, 11, 21])], 0.5);
    expect(out).toEqual([det('person', 0.9, [1, 1, 11, 21])]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const out = nmsPerClass([det('car', 0.6, [0, 0, 10, 10]), det('truck', 0.7, [0, 0, 10, 10])], 0.5);
    expect(out.map((d) => d.class)).toEqual(['truck', 'car']);
  });

  it('keeps boxes overlapping at or below the threshold, sorted by score', () => {
    const out = nmsPerClass([
      det('person', 0.4, [0, 0, 10, 10]),
      det('person', 0.8, [5, 0, 15, 10]), // IoU 1/3 with the first
      det('person', 0.6, [100, 100, 110, 110]),
    ], 0.5);
    expect(out.map((d) => d.confidence)).toEqual([0.8, 0.6, 0.4]);
  });
});
