import { describe, expect, it } from 'vitest';
import { H264Packetizer, interleave } from './rtp.ts';

const sps = Buffer.from('674d4020da03c0227e', 'hex');
const pps = Buffer.from('68ef0fc8', 'hex');
const make = (initialSeq = 100, maxPayload = 1400): H264Packetizer => new H264Packetizer({ sps, pps, ssrc: 0xdeadbeef, initialSeq, maxPayload });

const header = (p: Buffer) => ({ version: p[0]! >> 6, marker: (p[1]! & 0x80) !== 0, pt: p[1]! & 0x7f, seq: p.readUInt16BE(2), ts: p.readUInt32BE(4), ssrc: p.readUInt32BE(8) });

/** Reassembles FU-A fragments the way a receiver does. */
function depacketize(packets: Buffer[]): Buffer[] {
  const nals: Buffer[] = [];
  let fu: Buffer[] = [];
  for (const p of packets) {
    const payload = p.subarray(12);
    if ((payload[0]! & 0x1f) !== 28) {
      nals.push(payload);
      continue;
    }
    if (payload[1]! & 0x80) fu = [Buffer.from([(payload[0]! & 0xe0) | (payload[1]! & 0x1f)])];
    fu.push(payload.subarray(2));
    if (payload[1]! & 0x40) nals.push(Buffer.concat(fu));
  }
  return nals;
}

describe('H264Packetizer', () => {
  it('sends a small NAL as one packet with the marker, timestamp, SSRC and next sequence number', () => {
    const p = make();
    const [packet, ...rest] = p.packetizeFrame({ nals: [Buffer.from('419a2201', 'hex')], idr: false }, 3600);
    expect(rest).toEqual([]);
    expect(header(packet!)).toEqual({ version: 2, marker: true, pt: 96, seq: 100, ts: 3600, ssrc: 0xdeadbeef });
    expect(packet!.subarray(12).toString('hex')).toBe('419a2201');
    expect(p.nextSeq).toBe(101);
  });

  it('puts SPS and PPS before an IDR, marker only on the last packet of the frame', () => {
    const idr = Buffer.from('6588840011', 'hex');
    const packets = make().packetizeFrame({ nals: [idr], idr: true }, 7200);
    expect(depacketize(packets)).toEqual([sps, pps, idr]);
    expect(packets.map((pk) => header(pk).marker)).toEqual([false, false, true]);
    expect(packets.map((pk) => header(pk).seq)).toEqual([100, 101, 102]);
    expect(new Set(packets.map((pk) => header(pk).ts))).toEqual(new Set([7200]));
  });

  it('fragments a large NAL into FU-A packets within the payload limit that reassemble exactly', () => {
    const big = Buffer.alloc(1000, 0xab);
    big[0] = 0x65;
    const packets = make(0, 300).packetizeFrame({ nals: [big], idr: false }, 0);
    expect(packets.length).toBe(Math.ceil(999 / 298));
    expect(packets.every((pk) => pk.length - 12 <= 300)).toBe(true);
    expect(packets.map((pk) => pk[12]! & 0x1f)).toEqual(packets.map(() => 28));
    expect(packets[0]![13]! & 0xc0).toBe(0x80); // start bit
    expect(packets.at(-1)![13]! & 0xc0).toBe(0x40); // end bit
    expect(depacketize(packets)).toEqual([big]);
  });

  it('wraps the sequence number at 16 bits', () => {
    const packets = make(65535).packetizeFrame({ nals: [Buffer.from('4101', 'hex'), Buffer.from('4102', 'hex')], idr: false }, 0);
    expect(packets.map((pk) => header(pk).seq)).toEqual([65535, 0]);
  });
});

describe('interleave', () => {
  it('prefixes each packet with $, the channel and its length', () => {
    const out = interleave(2, [Buffer.from('aabb', 'hex'), Buffer.from('cc', 'hex')]);
    expect(out.toString('hex')).toBe('24020002aabb24020001cc');
  });
});
