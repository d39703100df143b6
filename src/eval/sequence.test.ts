import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSequence } from './sequence.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-seq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = '1,1,0,0,20,60,1,-1,-1,-1\n1,2,100,0,20,40,1,-1,-1,-1\n15,1,0,0,20,60,1,-1,-1,-1\n';
const bare = path.join(dir, 'bare.txt');
writeFileSync(bare, rows);
const inSeq = path.join(dir, 'SEQ/gt/gt.txt');
mkdirSync(path.dirname(inSeq), { recursive: true });
writeFileSync(inSeq, rows);
writeFileSync(path.join(dir, 'SEQ/seqinfo.ini'), '[Sequence]\nframeRate=7\nseqLength=20\n');

describe('openSequence', () => {
  it('frame rate: seqinfo.ini first, then --gt-fps; frames up to seqLength', () => {
    const s = openSequence({ gt: inSeq, gtFormat: 'mot15', gtFps: 30, minHeight: 0 });
    expect(s).toMatchObject({ sequenceFps: 7, sequenceFpsSource: 'seqinfo.ini', lastFrame: 20 });
    expect(s.frames).toHaveLength(20);
    expect(openSequence({ gt: bare, gtFormat: 'mot15', gtFps: 30, minHeight: 0 })).toMatchObject({ sequenceFps: 30, sequenceFpsSource: '--gt-fps', lastFrame: 15 });
  });

  it('--fps samples the frames; short people become ignore regions', () => {
    const s = openSequence({ gt: inSeq, gtFormat: 'mot15', fps: 1, minHeight: 50 });
    expect(s.frames).toEqual([1, 8, 15]);
    expect(s.gt.get(1)!.map((b) => b.ignore)).toEqual([false, true]);
  });

  it('clips boxes to the frame size of seqinfo.ini before the height test', () => {
    const clipped = path.join(dir, 'CLIP/gt/gt.txt');
    mkdirSync(path.dirname(clipped), { recursive: true });
    writeFileSync(clipped, '1,1,-5,-30,20,90,1,-1,-1,-1\n1,2,30,10,20,60,1,-1,-1,-1\n');
    writeFileSync(path.join(dir, 'CLIP/seqinfo.ini'), '[Sequence]\nframeRate=7\nimWidth=40\nimHeight=100\n');
    const s = openSequence({ gt: clipped, gtFormat: 'mot15', minHeight: 50 });
    expect(s.size).toEqual({ width: 40, height: 100 });
    expect(s.gt.get(1)).toEqual([
      { id: 1, bbox: [0, 0, 15, 60], ignore: false, cut: true },
      { id: 2, bbox: [30, 10, 40, 70], ignore: false, cut: true },
    ]);
  });

  it('refuses ground truth without boxes', () => {
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '\n');
    expect(() => openSequence({ gt: empty, gtFormat: 'mot15', minHeight: 0 })).toThrow(/no ground-truth boxes in .*empty\.txt/);
  });
});
