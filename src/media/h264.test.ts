import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupAccessUnits, NAL, nalType, parseH264, splitNalUnits } from './h264.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
 
if (!hasFfmpeg) console.warn('skipping the ffmpeg-encoded H.264 test: ffmpeg not found');

// A hand-made stream: SPS (Main, level 3.2) and PPS, an IDR in two slices, then two P frames.
const sps = Buffer.from('674d4020da03c0227e', 'hex');
const pps = Buffer.from('68ef0fc8', 'hex');
const aud = Buffer.from('0910', 'hex');
const idrSlice1 = Buffer.from('65888400ff', 'hex'); // first_mb_in_slice = 0
const idrSlice2 = Buffer.from('65448400ee', 'hex'); // first_mb_in_slice != 0: same picture
const p1 = Buffer.from('419a2201', 'hex');
const p2 = Buffer.from('419a4402', 'hex');
const long = (nal: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 1]), nal]);
const short = (nal: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 1]), nal]);
const stream = Buffer.concat([long(aud), long(sps), long(pps), short(idrSlice1), short(idrSlice2), long(aud), long(p1), short(p2)]);

describe('splitNalUnits', () => {
  it('splits on 3- and 4-byte start codes without keeping start-code zeros', () => {
    expect(splitNalUnits(stream)).toEqual([aud, sps, pps, idrSlice1, idrSlice2, aud, p1, p2]);
  });

  it('returns nothing for a buffer without start codes', () => {
    expect(splitNalUnits(Buffer.from('6588', 'hex'))).toEqual([]);
  });
});

describe('groupAccessUnits', () => {
  it('makes one unit per picture, drops AUD/SPS/PPS and flags IDRs', () => {
    const units = groupAccessUnits(splitNalUnits(stream));
    expect(units.map((u) => u.idr)).toEqual([true, false, false]);
    expect(units[0]!.nals).toEqual([idrSlice1, idrSlice2]);
    expect(units[1]!.nals).toEqual([p1]);
    expect(units[2]!.nals).toEqual([p2]);
  });
});

describe('parseH264', () => {
  it('extracts the SDP parameters from the SPS and PPS', () => {
    const clip = parseH264(stream);
    expect(clip.profileLevelId).toBe('4D4020');
    expect(clip.spropParameterSets).toBe(`${sps.toString('base64')},${pps.toString('base64')}`);
    expect(clip.frames).toHaveLength(3);
  });

  it('rejects a stream without parameter sets or not starting at an IDR', () => {
    expect(() => parseH264(Buffer.concat([short(idrSlice1)]))).toThrow(/SPS\/PPS/);
    expect(() => parseH264(Buffer.concat([short(sps), short(pps), short(p1)]))).toThrow(/IDR/);
  });

  it.skipIf(!hasFfmpeg)('reads what libx264 produces: one unit per frame, IDR every GOP', () => {
    const out = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25:duration=0.4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '5', '-keyint_min', '5', '-sc_threshold', '0', '-f', 'h264', '-'], { maxBuffer: 1 << 20 });
    expect(out.status).toBe(0);
    const clip = parseH264(out.stdout);
    expect(clip.frames).toHaveLength(10);
    expect(clip.frames.map((f) => f.idr)).toEqual([true, false, false, false, false, true, false, false, false, false]);
    expect(clip.frames.every((f) => f.nals.every((n) => nalType(n) !== NAL.SPS))).toBe(true);
  });
});
