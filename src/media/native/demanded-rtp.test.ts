import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H264Packetizer } from '../../dvr-sim/rtp.ts';
import { DEFAULT_SAMPLE_DIR } from '../../dvr-sim/sample.ts';
import { H264Depacketizer } from '../feed/h264-depacketizer.ts';
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';
import { parseH264 } from '../h264.ts';
import { DemandedRtp } from './demanded-rtp.ts';
import { unbatch } from './rtp-batch.ts';

// an IDR every 25 frames
const clip = parseH264(readFileSync(`${DEFAULT_SAMPLE_DIR}/vtest-main.h264`));
const FRAME_TICKS = 3600;

/** The main thread's side: batches received, depacketised as the camera feed does (resuming where a batch says so). */
function mainThread() {
  const units: TimedAccessUnit[] = [];
  const batches: Array<{ packets: number; resumed: boolean }> = [];
  let depacketizer = new H264Depacketizer((au) => units.push(au), { payloadType: 96 });
  const send = (data: ArrayBuffer, length: number, resumed: boolean): void => {
    const packets = [...unbatch(data, length)];
    batches.push({ packets: packets.length, resumed });
    if (resumed) depacketizer.resume();
    for (const p of packets) depacketizer.push(p);
  };
  return { units, batches, send, restart: () => (depacketizer = new H264Depacketizer((au) => units.push(au), { payloadType: 96 })) };
}

function camera(out: DemandedRtp, first = 0) {
  const packetizer = new H264Packetizer({ sps: clip.sps, pps: clip.pps, ssrc: 7, initialSeq: 1, maxPayload: 1400, payloadType: 96 });
  let next = first;
  return {
    /** sends frames [next, next + n) */
    frames: (n: number) => {
      for (const end = next + n; next < end; next++) for (const p of packetizer.packetizeFrame(clip.frames[next]!, next * FRAME_TICKS)) out.add(p);
    },
  };
}

describe('DemandedRtp', () => {
  it('sends nothing while unwanted; when wanted, the GOP since the newest IDR first (resuming there), then live frames', () => {
    const main = mainThread();
    const out = new DemandedRtp(main.send, { wanted: false });
    const cam = camera(out);
    cam.frames(60); // IDRs at 0, 25, 50: the GOP now is frames 50..59
    expect(main.batches).toEqual([]);
    expect(out.gopFrames).toBe(10);

    out.setWanted(true);
    expect(main.batches).toEqual([{ packets: expect.any(Number), resumed: true }]);
    expect(main.units.map((u) => u.pts90k / FRAME_TICKS)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    expect(main.units[0]!.idr).toBe(true);
    cam.frames(5);
    expect(main.units.map((u) => u.pts90k / FRAME_TICKS).slice(-5)).toEqual([60, 61, 62, 63, 64]);
    expect(main.batches.slice(1).every((b) => !b.resumed)).toBe(true);

    // off, then on again: the jump in sequence numbers is a resumption, not a loss spoiling the IDR
    out.setWanted(false);
    cam.frames(20); // IDR at 75 among them
    expect(main.units).toHaveLength(15);
    out.setWanted(true);
    out.setWanted(true);
    expect(main.batches.at(-1)!.resumed).toBe(true);
    expect(main.units.slice(15).map((u) => u.pts90k / FRAME_TICKS)).toEqual([75, 76, 77, 78, 79, 80, 81, 82, 83, 84]);
    expect(main.units[15]!.idr).toBe(true);
  });

  it('keeps nothing before the first IDR; a GOP too large is dropped, said once, and kept again from the next IDR', () => {
    const main = mainThread();
    const overflows: boolean[] = [];
    const out = new DemandedRtp(main.send, { wanted: false, maxGopBytes: 150_000, onGopOverflow: (over) => overflows.push(over) });
    const cam = camera(out, 10);
    cam.frames(15); // frames 10..24: no IDR yet
    expect(out.gopFrames).toBe(0);
    out.setWanted(true);
    expect(main.batches).toEqual([]);
    cam.frames(1); // the IDR at 25: live, and where the packets resume
    expect(main.batches).toEqual([{ packets: expect.any(Number), resumed: true }]);
    expect(main.units.map((u) => u.idr)).toEqual([true]);

    out.setWanted(false);
    cam.frames(24); // frames 26..49 take the GOP past 150 kB (its IDR alone is ~130 kB)
    expect(overflows).toEqual([true]);
    expect(out.gopFrames).toBe(0);
    cam.frames(3); // the IDR at 50 starts a GOP that fits
    expect(overflows).toEqual([true, false]);
    expect(out.gopFrames).toBe(3);
  });
});
