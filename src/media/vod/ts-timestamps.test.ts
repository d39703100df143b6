import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { PTS_WRAP, presentationTimestamps, shiftPackets, TimestampShift, TS_PACKET, wallClockOffset } from './ts-timestamps.ts';

function encode(prefix: number, t: number): number[] {
  const hi = Math.floor(t / 2 ** 30);
  const lo = t % 2 ** 30;
  return [(prefix << 4) | (hi << 1) | 1, (lo >>> 22) & 0xff, (((lo >>> 15) & 0x7f) << 1) | 1, (lo >>> 7) & 0xff, ((lo & 0x7f) << 1) | 1];
}

/** A video PES start packet with PTS, DTS and a PCR in its adaptation field. */
function packet(pts: number, dts: number, pcrBase: number): Buffer {
  const b = Buffer.alloc(TS_PACKET, 0xff);
  b.set([0x47, 0x41, 0x00, 0x30, 7, 0x10]); // PUSI, PID 0x100, adaptation + payload; AF length 7, PCR flag
  b.set([Math.floor(pcrBase / 2 ** 25), (pcrBase >>> 17) & 0xff, (pcrBase >>> 9) & 0xff, (pcrBase >>> 1) & 0xff, ((pcrBase & 1) << 7) | 0x7e, 0x00], 6);
  b.set([0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10, ...encode(3, pts), ...encode(1, dts)], 12);
  return b;
}

const readPcr = (b: Buffer) => b[6]! * 2 ** 25 + ((b[7]! << 17) | (b[8]! << 9) | (b[9]! << 1) | (b[10]! >> 7));

describe('MPEG-TS timestamp shift', () => {
  it('moves PTS, DTS and PCR by the offset and wraps at 2^33', () => {
    const b = packet(126_000, 122_400, 120_000);
    shiftPackets(b, PTS_WRAP - 100_000);
    expect(presentationTimestamps(b)).toEqual([26_000]);
    expect(readPcr(b)).toBe(20_000);
    expect(b.readUInt8(6 + 4) & 0x7f).toBe(0x7e); // PCR reserved bits and extension kept
    expect(b.subarray(26, 31)).toEqual(Buffer.from(encode(1, 22_400))); // DTS, its prefix kept
  });

  it('shifts across chunk boundaries and passes a truncated tail unchanged', async () => {
    const input = Buffer.concat([packet(1000, 1000, 900), packet(4600, 4600, 4500), Buffer.from([0x47, 1, 2])]);
    const shift = new TimestampShift(50);
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => out.push(d));
    shift.pipe(sink);
    for (let i = 0; i < input.length; i += 100) shift.write(input.subarray(i, i + 100));
    shift.end();
    await new Promise((r) => sink.on('end', r));
    const all = Buffer.concat(out);
    expect(all.length).toBe(input.length);
    expect(presentationTimestamps(all)).toEqual([1050, 4650]);
    expect(all.subarray(-3)).toEqual(Buffer.from([0x47, 1, 2]));
  });

  it('places a segment so that its media ends at its recorded end time', () => {
    const end = new Date('2026-01-20T14:30:10Z');
    const offset = wallClockOffset({ firstPts: 126_000, endPts: 1_026_000 }, end);
    expect((1_026_000 + offset) % PTS_WRAP).toBe((end.getTime() * 90) % PTS_WRAP);
  });
});
