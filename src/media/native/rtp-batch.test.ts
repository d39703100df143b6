import { describe, expect, it } from 'vitest';
import { RtpBatcher, unbatch } from './rtp-batch.ts';

const packet = (seq: number, marker: boolean, size = 100): Buffer => {
  const p = Buffer.alloc(size, seq);
  p[1] = (marker ? 0x80 : 0) | 96;
  return p;
};

describe('RtpBatcher', () => {
  it('sends one batch per frame (the marker bit), each packet a copy taken back unchanged', () => {
    const batches: Buffer[][] = [];
    const b = new RtpBatcher((data, length) => batches.push([...unbatch(data, length)].map((p) => Buffer.from(p))));
    const sent = [packet(1, false), packet(2, false, 3000), packet(3, true), packet(4, true)];
    for (const p of sent) b.add(p);
    sent[0]!.fill(0); // the session's view is reused: the batch holds its own copy
    expect(batches).toHaveLength(2);
    expect(batches[0]!.map((p) => p.length)).toEqual([100, 3000, 100]);
    expect(batches[0]![0]![5]).toBe(1);
    expect(batches[1]).toEqual([packet(4, true)]);
  });

  it('grows past its first buffer and flushes what is left on demand', () => {
    const batches: number[] = [];
    const b = new RtpBatcher((data, length) => batches.push([...unbatch(data, length)].length));
    for (let i = 0; i < 100; i++) b.add(packet(i, false, 1400));
    b.flush();
    b.flush();
    expect(batches.reduce((a, n) => a + n, 0)).toBe(100);
    expect(batches.length).toBeGreaterThanOrEqual(1);
  });
});
