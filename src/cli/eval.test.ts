import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vigil } from './test-helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil eval', () => {
  it('`help` after eval or its subcommand prints the usage and exits 0', async () => {
    const [top, sub] = await Promise.all([vigil('eval', 'help'), vigil('eval', 'detect', 'help')]);
    for (const r of [top, sub]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: vigil eval detect --gt FILE \(--video FILE\|DIR \| --detections FILE\)/);
      expect(r.stdout).toContain('--save-detections');
    }
  });

  it('eval detect --detections re-scores saved detections: clipped ground truth, frames without detections missed, recall by height', async () => {
    const seq = path.join(dir, 'SEQ');
    mkdirSync(path.join(seq, 'gt'), { recursive: true });
    writeFileSync(path.join(seq, 'seqinfo.ini'), '[Sequence]\nframeRate=1\nseqLength=3\nimWidth=200\nimHeight=200\n');
    // frame 1: one whole person 80 px tall, one running 40 px past the right edge; frames 2 and 3: one person each
    writeFileSync(path.join(seq, 'gt/gt.txt'), ['1,1,10,10,30,80,1,-1,-1,-1', '1,2,170,50,70,140,1,-1,-1,-1', '2,1,12,10,30,80,1,-1,-1,-1', '3,1,14,10,30,80,1,-1,-1,-1', ''].join('\n'));
    const dets = path.join(dir, 'dets.txt');
    // the detector clips its box at the edge: it matches only the clipped ground truth
    writeFileSync(dets, '1,7,10,10,30,80,0.9,-1,-1,-1\n1,8,170,50,30,140,0.8,-1,-1,-1\n');
    const r = await vigil('eval', 'detect', '--gt', path.join(seq, 'gt/gt.txt'), '--detections', dets);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ command: 'detect', resolution: '200x200', frames_scored: 3, tp: 2, fp: 0, fn: 2, precision: 1, recall: 0.5 });
    expect(out.by_height).toEqual({ '60-100': { gt: 3, tp: 1, recall: 0.3333 }, cut_by_frame_edge: { gt: 1, tp: 1, recall: 1 } });
  });

  it('eval detect needs exactly one of --video and --detections', async () => {
    const r = await vigil('eval', 'detect', '--gt', path.join(dir, 'SEQ/gt/gt.txt'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exactly one of --video FILE or --detections FILE');
  });
});
