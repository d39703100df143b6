import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { BBox } from '../core/types.ts';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clipToFrame, formatTracks, ignoreBelowHeight, readGroundTruth, readSeqInfo, readTracks } from './mot-format.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-mot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readGroundTruth', () => {
  it('MOT15: corners from x,y,w,h; conf 0 rows are ignore regions', () => {
    const gt = readGroundTruth(file('gt15.txt', '1,9,499,158,31,75,1,-4.1,-7.3,0\n1,12,648,115,20,59,0,3.7,-8.0,0\n\n2,9,500,158,31,75,1,-1,-1,-1\n'), 'mot15');
    expect(gt.get(1)).toEqual([{ id: 9, bbox: [499, 158, 530, 233], ignore: false }, { id: 12, bbox: [648, 115, 668, 174], ignore: true }]);
    expect(gt.get(2)).toHaveLength(1);
  });

  it('MOT17: pedestrians with consider=1 scored, distractor classes ignored, other classes dropped', () => {
    const gt = readGroundTruth(file('gt17.txt', [
      '1,1,0,0,10,20,1,1,0.9', // pedestrian
      '1,2,0,0,10,20,0,1,0.9', // pedestrian not to be considered → dropped
      '1,3,0,0,10,20,0,7,1', // static person → ignore region
      '1,4,0,0,10,20,0,12,1', // reflection → ignore region
      '1,5,0,0,10,20,0,3,1', // car → dropped
    ].join('\n')), 'mot17');
    expect(gt.get(1)!.map((b) => [b.id, b.ignore])).toEqual([[1, false], [3, true], [4, true]]);
  });

  it('names file and line of malformed rows', () => {
    expect(() => readGroundTruth(file('bad1.txt', '1,1,0,0,10,20,1,-1,-1,-1\n1,2,0,zero,10,20,1,-1,-1,-1\n'), 'mot15')).toThrow(/bad1\.txt:2: column 4 is not a number: "zero"/);
    expect(() => readGroundTruth(file('bad2.txt', '1,1,0,0,10,20,1\n'), 'mot17')).toThrow(/bad2\.txt:1: expected at least 9/);
    expect(() => readGroundTruth(file('bad3.txt', '0,1,0,0,10,20,1,-1,-1,-1\n'), 'mot15')).toThrow(/bad3\.txt:1: frame must be an integer ≥ 1/);
    expect(() => readGroundTruth(file('bad4.txt', '1,1.5,0,0,10,20,1,-1,-1,-1\n'), 'mot15')).toThrow(/bad4\.txt:1: id must be an integer/);
    expect(() => readGroundTruth(file('bad5.txt', '1,1,0,0,-10,20,1,-1,-1,-1\n'), 'mot15')).toThrow(/bad5\.txt:1: negative box size/);
    expect(() => readGroundTruth(path.join(dir, 'missing.txt'), 'mot15')).toThrow(/cannot read ground truth .*missing\.txt/);
  });
});

describe('tracks', () => {
  it('round-trips through the MOTChallenge result format', () => {
    const text = '1,3,113.84,274.5,57.31,130.05,0.9,-1,-1,-1\n2,3,116.37,265.2,62.86,142.64,-1,-1,-1,-1\n';
    const tracks = readTracks(file('res.txt', text));
    expect(tracks.get(1)).toEqual([{ id: 3, bbox: [113.84, 274.5, 113.84 + 57.31, 274.5 + 130.05], score: 0.9 }]);
    expect(formatTracks(tracks)).toBe(text);
  });

  it('accepts space-separated rows and reports bad ones by line', () => {
    expect(readTracks(file('sp.txt', '1 3 10 20 5 6 1 -1 -1 -1\n')).get(1)![0]!.bbox).toEqual([10, 20, 15, 26]);
    expect(() => readTracks(file('short.txt', '1,2,3\n'))).toThrow(/short\.txt:1: expected at least 6/);
  });
});

describe('ignoreBelowHeight', () => {
  it('turns short boxes into ignore regions', () => {
    const gt = new Map([[1, [{ id: 1, bbox: [0, 0, 10, 49] as [number, number, number, number], ignore: false }, { id: 2, bbox: [0, 0, 10, 50] as [number, number, number, number], ignore: false }]]]);
    expect(ignoreBelowHeight(gt, 50).get(1)!.map((b) => b.ignore)).toEqual([true, false]);
    expect(ignoreBelowHeight(gt, 0)).toBe(gt);
  });
});

describe('clipToFrame', () => {
  it('clips boxes past the edge, marks them cut and drops boxes wholly outside', () => {
    const gt = new Map([[1, [
      { id: 1, bbox: [-10, 20, 30, 120] as BBox, ignore: false },
      { id: 2, bbox: [100, 100, 140, 200] as BBox, ignore: false },
      { id: 3, bbox: [620, 400, 700, 500] as BBox, ignore: false },
      { id: 4, bbox: [700, 0, 760, 100] as BBox, ignore: false },
    ]]]);
    expect(clipToFrame(gt, 640, 480).get(1)).toEqual([
      { id: 1, bbox: [0, 20, 30, 120], ignore: false, cut: true },
      { id: 2, bbox: [100, 100, 140, 200], ignore: false },
      { id: 3, bbox: [620, 400, 640, 480], ignore: false, cut: true },
    ]);
  });
});

describe('readSeqInfo', () => {
  it('finds seqinfo.ini beside gt/ and reads the frame rate', () => {
    const seq = path.join(dir, 'SEQ');
    const gtDir = path.join(seq, 'gt');
    mkdirSync(gtDir, { recursive: true });
    writeFileSync(path.join(seq, 'seqinfo.ini'), '[Sequence]\nname=X\nframeRate=7\nseqLength=795\n');
    expect(readSeqInfo(path.join(gtDir, 'gt.txt'))).toMatchObject({ frameRate: 7, seqLength: 795 });
    expect(readSeqInfo(path.join(dir, 'gt15.txt'))).toEqual({});
  });
});
