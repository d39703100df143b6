import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H264Packetizer } from '../../dvr-sim/rtp.ts';
import { DEFAULT_SAMPLE_DIR } from '../../dvr-sim/sample.ts';
import { parseH264 } from '../h264.ts';
import { H264Depacketizer } from './h264-depacketizer.ts';
import type { TimedAccessUnit } from './timed-access-unit.ts';

const clip = parseH264(readFileSync(`${DEFAULT_SAMPLE_DIR}/vtest-main.h264`));
const frames = clip.frames.slice(0, 60);
const FRAME_TICKS = 3600;

function packets(opts: { startTimestamp?: number; maxPayload?: number } = {}): Buffer[][] {
  const p = new H264Packetizer({ sps: clip.sps, pps: clip.pps, ssrc: 1, initialSeq: 65_500, maxPayload: opts.maxPayload ?? 1400 });
  return frames.map((f, i) => p.packetizeFrame(f, (opts.startTimestamp ?? 0) + i * FRAME_TICKS));
}

function run(perFrame: Buffer[][], d?: H264Depacketizer): { units: TimedAccessUnit[]; d: H264Depacketizer } {
  const units: TimedAccessUnit[] = [];
  const dep = d ?? new H264Depacketizer((au) => units.push(au), { payloadType: 96 });
  perFrame.forEach((pkts, i) => pkts.forEach((pk) => dep.push(pk, 1000 + i)));
  return { units, d: dep };
}

describe('H264Depacketizer', () => {
  it('gives back the frames that were packetised, FU-A fragments joined, parameter sets on each IDR', () => {
    const { units, d } = run(packets({ maxPayload: 500 }));
    expect(units).toHaveLength(frames.length);
    units.forEach((u, i) => {
      expect(u.nals).toEqual(frames[i]!.nals);
      expect(u.idr).toBe(frames[i]!.idr);
      expect(u.pts90k).toBe(i * FRAME_TICKS);
      expect(u.receivedAt).toBe(1000 + i);
      expect(u.parameterSets).toEqual(u.idr ? { sps: clip.sps, pps: clip.pps } : undefined);
    });
    expect(d.stats()).toMatchObject({ accessUnits: frames.length, losses: 0, droppedAccessUnits: 0 });
  });

  it('unwraps the 32-bit RTP timestamp so time only increases', () => {
    const { units } = run(packets({ startTimestamp: 2 ** 32 - 10 * FRAME_TICKS }));
    const deltas = units.slice(1).map((u, i) => u.pts90k - units[i]!.pts90k);
    expect(new Set(deltas)).toEqual(new Set([FRAME_TICKS]));
  });

  it('after a lost packet emits nothing until the next IDR', () => {
    const perFrame = packets({ maxPayload: 500 });
    const nextIdr = frames.findIndex((f, i) => i > 3 && f.idr);
    expect(nextIdr).toBeGreaterThan(3);
    perFrame[3] = perFrame[3]!.slice(1); // the first fragment of frame 3
    const { units, d } = run(perFrame);
    expect(units.map((u) => u.pts90k / FRAME_TICKS)).toEqual([0, 1, 2, ...frames.map((_, i) => i).filter((i) => i >= nextIdr)]);
    expect(d.stats().losses).toBe(1);
  });

  it('ignores what is not RTP or not its payload type, and drops a start without parameter sets', () => {
    const units: TimedAccessUnit[] = [];
    const d = new H264Depacketizer((au) => units.push(au), { payloadType: 96 });
    d.push(Buffer.from('not rtp at all'));
    const other = Buffer.from(packets()[0]![0]!);
    other[1] = (other[1]! & 0x80) | 97;
    d.push(other);
    expect(d.stats().ignoredPackets).toBe(2);
    // IDR slices without the SPS/PPS packets before them, and no sprop-parameter-sets: not decodable
    const withoutParameterSets = packets()[0]!.slice(2);
    withoutParameterSets.forEach((pk) => d.push(pk));
    d.push(packets()[1]![0]!);
    expect(units).toHaveLength(0);
  });

  it('uses out-of-band parameter sets (the SDP) when the stream has none in-band', () => {
    const units: TimedAccessUnit[] = [];
    const d = new H264Depacketizer((au) => units.push(au), { parameterSets: { sps: clip.sps, pps: clip.pps } });
    packets()[0]!.slice(2).forEach((pk) => d.push(pk));
    expect(units).toHaveLength(1);
    expect(units[0]!.parameterSets?.sps).toEqual(clip.sps);
  });
});
