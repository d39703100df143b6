import { describe, expect, it } from 'vitest';
import type { BBox } from '../core/types.ts';
import { HeightTally } from './by-height.ts';

const person = (height: number, extra: { ignore?: boolean; cut?: boolean } = {}) => ({ id: 1, bbox: [0, 0, 20, height] as BBox, ignore: false, ...extra });

describe('HeightTally', () => {
  it('counts recall per height bucket, people cut by the edge apart, ignore regions not at all', () => {
    const t = new HeightTally();
    t.add([person(45), person(80), person(90), person(320), person(500, { cut: true }), person(20, { ignore: true })], [true, true, false, false, true, true]);
    t.add([person(99)], [true]);
    expect(t.report()).toEqual({
      '30-60': { gt: 1, tp: 1, recall: 1 },
      '60-100': { gt: 3, tp: 2, recall: 0.6667 },
      '>=300': { gt: 1, tp: 0, recall: 0 },
      cut_by_frame_edge: { gt: 1, tp: 1, recall: 1 },
    });
  });
});
