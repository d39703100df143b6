import { describe, expect, it } from 'vitest';
import { RtpBatcher, unbatch } from './rtp-batch.ts';

/** an RTP packet with a single NAL unit of `nal` type (5: IDR slice, 1: other slice) */
const packet = (timestamp: number, marker: boolean, o: { size?: number; nal?: number } = {}): Buffer => {
  const p = Buffer.alloc(o.size ?? 100, timestamp & 0xff);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | 96;
  p.writeUInt32BE(timestamp, 4);
  p[12] = 0x60 | (o.nal ?? 1);
  return p;
};
/** the packets of a frame batch (a view valid only during the callback): copied */
const unbatched = (frame: Buffer): Buffer[] => {
  const own = new Uint8Array(frame);
  return [...unbatch(own.buffer, own.length)].map((p) => Buffer.from(p));
};

describe('RtpBatcher', () => {
  it('makes one batch per frame (the marker bit, or the next timestamp when it is missing), each packet a copy taken back unchanged', () => {
    const frames: Array<{ packets: Buffer[]; idr: boolean }> = [];
    const b = new RtpBatcher((frame, idr) => frames.push({ packets: unbatched(frame), idr }));
    const sent = [packet(1, false, { nal: 5 }), packet(1, false, { size: 3000 }), packet(1, true), packet(2, false), packet(3, true)];
    for (const p of sent) b.add(p);
    sent[0]!.fill(0); // the session's view is reused: the batch holds its own copy
    expect(frames.map((f) => f.packets.map((p) => p.length))).toEqual([[100, 3000, 100], [100], [100]]);
    expect(frames[0]!.packets[0]![20]).toBe(1);
    expect(frames.map((f) => f.idr)).toEqual([true, false, false]);
    expect(frames[1]!.packets[0]).toEqual(packet(2, false));
  });

  it('grows past its first buffer, cuts a frame that never ends, and flushes what is left on demand', () => {
    let packets = 0;
    const b = new RtpBatcher((frame) => (packets += unbatched(frame).length));
    for (let i = 0; i < 300; i++) b.add(packet(7, false, { size: 1400 }));
    expect(packets).toBeGreaterThan(0);
    b.flush();
    b.flush();
    expect(packets).toBe(300);
  });

  it('ignores what is not RTP', () => {
    let frames = 0;
    const b = new RtpBatcher(() => frames++);
    b.add(Buffer.alloc(8));
    b.flush();
    expect(frames).toBe(0);
  });
});
