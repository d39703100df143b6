import { describe, expect, it } from 'vitest';
import { NAL } from '../h264.ts';
import { presentationTimestamps, TS_PACKET } from '../vod/ts-timestamps.ts';
import { crc32Mpeg, FIRST_PTS, PCR_LEAD, PMT_PID, TsMuxer, VIDEO_PID } from './mpegts-muxer.ts';

const sps = Buffer.from([0x67, 0x4d, 0x40, 0x20, 0xda]);
const pps = Buffer.from([0x68, 0xef, 0x0f, 0xc8]);
const slice = (type: number, size: number, fill = 0xaa): Buffer => Buffer.concat([Buffer.from([type === NAL.IDR ? 0x65 : 0x41, 0x88]), Buffer.alloc(size - 2, fill)]);

interface Packet { pid: number; pusi: boolean; cc: number; af: Buffer | null; payload: Buffer }

function packets(ts: Buffer): Packet[] {
  expect(ts.length % TS_PACKET).toBe(0);
  const out: Packet[] = [];
  for (let p = 0; p < ts.length; p += TS_PACKET) {
    const b = ts.subarray(p, p + TS_PACKET);
    expect(b[0]).toBe(0x47);
    const afc = (b[3]! >> 4) & 3;
    const afLen = afc & 2 ? b[4]! + 1 : 0;
    out.push({
      pid: ((b[1]! & 0x1f) << 8) | b[2]!, pusi: (b[1]! & 0x40) !== 0, cc: b[3]! & 0x0f,
      af: afc & 2 ? b.subarray(5, 4 + afLen) : null, payload: afc & 1 ? b.subarray(4 + afLen) : Buffer.alloc(0),
    });
  }
  return out;
}

const pcrBase = (af: Buffer): number => af[1]! * 2 ** 25 + ((af[2]! << 17) | (af[3]! << 9) | (af[4]! << 1) | (af[5]! >> 7));
const pesOf = (ps: Packet[]): Buffer => Buffer.concat(ps.filter((p) => p.pid === VIDEO_PID).map((p) => p.payload));

describe('MPEG-TS muxer', () => {
  it('computes the MPEG-2 CRC of PSI sections (the PAT ffmpeg writes)', () => {
    expect(crc32Mpeg(Buffer.from('00b00d0001c100000001f000', 'hex')).toString(16)).toBe('2ab104b2');
  });

  it('starts a keyframe with PAT and PMT, identical to what ffmpeg writes', () => {
    const ps = packets(new TsMuxer().mux({ nals: [slice(NAL.IDR, 500)], idr: true, pts90k: FIRST_PTS, parameterSets: { sps, pps } }));
    expect(ps.slice(0, 2).map((p) => p.pid)).toEqual([0, PMT_PID]);
    expect(ps[0]!.payload.subarray(0, 17).toString('hex')).toBe('0000b00d0001c100000001f0002ab104b2');
    expect(ps[1]!.payload.subarray(0, 22).toString('hex')).toBe('0002b0120001c10000e100f0001be100f00015bd4d56');
    expect(ps[0]!.payload.subarray(17).every((x) => x === 0xff)).toBe(true);
  });

  it('carries PTS (DTS = PTS), PCR behind it, the random-access flag, AUD and in-band SPS/PPS before an IDR', () => {
    const ts = new TsMuxer().mux({ nals: [slice(NAL.IDR, 1000)], idr: true, pts90k: FIRST_PTS + 3600, parameterSets: { sps, pps } });
    expect(presentationTimestamps(ts)).toEqual([FIRST_PTS + 3600]);
    const ps = packets(ts);
    const first = ps[2]!;
    expect(first.pusi).toBe(true);
    expect(first.af![0]! & 0x50).toBe(0x50); // random access + PCR
    expect(pcrBase(first.af!)).toBe(FIRST_PTS + 3600 - PCR_LEAD);
    const pes = pesOf(ps);
    expect(pes.subarray(0, 9).toString('hex')).toBe('000001e00000808005'); // video, unbounded length, PTS only
    const es = pes.subarray(14);
    expect(es.subarray(0, 6).toString('hex')).toBe('0000000109f0');
    expect(es.subarray(6, 10 + sps.length + 4 + pps.length)).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 1]), sps, Buffer.from([0, 0, 0, 1]), pps]));
    expect(es.subarray(es.length - 1000 - 4)).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 1]), slice(NAL.IDR, 1000)]));
  });

  it('reads its own PTS back through the VOD timestamp reader', () => {
    const mux = new TsMuxer();
    const ts = Buffer.concat([0, 1, 2].map((i) => mux.mux({ nals: [slice(i ? NAL.SLICE : NAL.IDR, 300)], idr: i === 0, pts90k: FIRST_PTS + i * 3600, parameterSets: { sps, pps } })));
    expect(presentationTimestamps(ts)).toEqual([FIRST_PTS, FIRST_PTS + 3600, FIRST_PTS + 7200]);
  });

  it('fills every PES size exactly: stuffing in the last packet, payload never padded', () => {
    // sizes around the packet boundaries: 176 payload bytes fit the PCR packet, 184 every other
    for (let size = 140; size < 600; size++) {
      const nal = slice(NAL.SLICE, size, size & 0xff);
      const ps = packets(new TsMuxer().mux({ nals: [nal], idr: false, pts90k: FIRST_PTS }));
      expect(ps.every((p) => p.pid === VIDEO_PID)).toBe(true);
      const pes = pesOf(ps);
      expect(pes.length).toBe(14 + 6 + 4 + size);
      expect(pes.subarray(pes.length - size)).toEqual(nal);
      for (const p of ps.slice(1)) if (p.af && p.af.length > 1) expect(p.af.subarray(1).every((x) => x === 0xff)).toBe(true);
      expect(ps.slice(1).every((p) => !p.pusi)).toBe(true);
    }
  });

  it('counts continuity per PID, wrapping at 16', () => {
    const mux = new TsMuxer();
    const all = packets(Buffer.concat(Array.from({ length: 20 }, (_, i) => mux.mux({ nals: [slice(i % 5 ? NAL.SLICE : NAL.IDR, 400)], idr: i % 5 === 0, pts90k: FIRST_PTS + i * 3600, parameterSets: { sps, pps } }))));
    for (const pid of [0, PMT_PID, VIDEO_PID]) {
      const cc = all.filter((p) => p.pid === pid).map((p) => p.cc);
      expect(cc.length).toBeGreaterThan(1);
      cc.forEach((c, i) => expect(c).toBe(i % 16));
    }
  });

  it('writes one AUD of its own and the parameter sets once, whatever the source left in the frame', () => {
    const aud = Buffer.from([NAL.AUD, 0x10]);
    const ps = packets(new TsMuxer().mux({ nals: [aud, sps, pps, slice(NAL.IDR, 50)], idr: true, pts90k: FIRST_PTS, parameterSets: { sps, pps } }));
    const es = pesOf(ps).subarray(14);
    expect(es.toString('hex').split('00000001').filter(Boolean).map((n) => parseInt(n.slice(0, 2), 16) & 0x1f)).toEqual([NAL.AUD, NAL.SPS, NAL.PPS, NAL.IDR]);
  });

  it('wraps timestamps at 2^33', () => {
    const ts = new TsMuxer().mux({ nals: [slice(NAL.SLICE, 50)], idr: false, pts90k: 2 ** 33 + 5 });
    expect(presentationTimestamps(ts)).toEqual([5]);
    expect(pcrBase(packets(ts)[0]!.af!)).toBe(2 ** 33 + 5 - PCR_LEAD);
  });
});
