/** Synthetic camera frames for tests of the LL-HLS packager and its routes. */
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';
import type { LlHlsPackager } from './packager.ts';

// the simulator's main stream (960x1080) and a second one (Main profile, 64x64) for a changed init
export const SPS = Buffer.from('674d4020da03c0227e5c0440000003004000000c83c60ca8', 'hex');
export const PPS = Buffer.from('68ef0fc8', 'hex');
export const OTHER_SPS = Buffer.from('674d400ad90426c044000003000400000300c83c489920', 'hex');
export const T0 = Date.parse('2026-12-07T12:00:00Z');

export interface FrameOptions {
  /** an IDR every `gop` frames (0: only the first); default 25 */
  gop?: number;
  /** bytes of its one NAL unit */
  size?: number;
  sps?: Buffer;
  /** a fixed timestamp instead of 40 ms steps */
  pts?: number;
}

/** Frame `n` of a 25 fps camera. */
export function frame(n: number, o: FrameOptions = {}): TimedAccessUnit {
  const gop = o.gop ?? 25;
  const idr = gop === 0 ? n === 0 : n % gop === 0;
  const nal = Buffer.alloc(o.size ?? 100, n & 0xff);
  nal[0] = idr ? 0x65 : 0x41;
  return { nals: [nal], idr, pts90k: o.pts ?? 1_000_000 + n * 3600, receivedAt: T0 + n * 40, ...(idr ? { parameterSets: { sps: o.sps ?? SPS, pps: PPS } } : {}) };
}

/** Frames `from` to `to` (exclusive) into `p`. */
export function feed(p: LlHlsPackager, from: number, to: number, o: FrameOptions = {}): void {
  for (let n = from; n < to; n++) p.push(frame(n, o));
}
