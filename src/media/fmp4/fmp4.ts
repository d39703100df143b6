/**
 * Fragmented MP4 (CMAF) for one H.264 video track: the init segment (ftyp + moov) and fragments
 * (moof + mdat) that LL-HLS serves as parts. Written by hand rather than with a muxer library:
 * the maintained ones (mediabunny) cut fragments only where they decide and take one object per
 * sample through an async pipeline, while a part here is cut every 200 ms by the packager and
 * built in one allocation. ISO/IEC 14496-12 (boxes) and 14496-15 (avcC) are the references.
 */
import { spsResolution } from '../h264-sps.ts';

/** 90 kHz: the RTP clock of H.264, so timestamps pass through unscaled */
export const TIMESCALE = 90_000;
const TRACK_ID = 1;

export interface Fmp4Sample {
  /** NAL units without start codes (written length-prefixed) */
  nals: readonly Buffer[];
  /** in TIMESCALE ticks */
  duration: number;
  /** an IDR: decodable on its own */
  sync: boolean;
}

// sample_flags (14496-12 §8.8.3.1): sample_depends_on=2 (I picture) / =1 plus sample_is_non_sync_sample
const SYNC_FLAGS = 0x0200_0000;
const NON_SYNC_FLAGS = 0x0101_0000;

type Part = Buffer | number[];

function box(type: string, ...parts: Part[]): Buffer {
  const bodies = parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p)));
  const size = 8 + bodies.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...bodies], size);
}

const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const fullBox = (type: string, version: number, flags: number, ...parts: Part[]): Buffer => box(type, [version, ...u32(flags).slice(1)], ...parts);
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const UNITY_MATRIX = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000].flatMap(u32);

/** AVCDecoderConfigurationRecord (14496-15 §5.3.3.1): 4-byte NAL lengths, one SPS, one PPS. */
function avcC(sps: Buffer, pps: Buffer): Buffer {
  return box('avcC', [1, sps[1]!, sps[2]!, sps[3]!, 0xfc | 3, 0xe0 | 1, ...u16(sps.length)], sps, [1, ...u16(pps.length)], pps);
}

/**
 * The init segment for a stream with these parameter sets: every fragment of the stream refers to
 * it. Throws when the SPS is not one (a packager builds it only from an IDR's parameter sets).
 */
export function initSegment(sps: Buffer, pps: Buffer): Buffer {
  const size = spsResolution(sps);
  if (!size) throw new Error('not an H.264 sequence parameter set');
  const { width, height } = size;
  const ftyp = box('ftyp', Buffer.from('iso5'), u32(512), Buffer.from('iso5iso6mp41'));
  // durations 0: a live stream's length is unknown (fragments carry the timing)
  const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(TIMESCALE), u32(0), u32(0x0001_0000), u16(0x0100), zeros(10), UNITY_MATRIX, zeros(24), u32(TRACK_ID + 1));
  // flags: track enabled, in movie
  const tkhd = fullBox('tkhd', 0, 3, u32(0), u32(0), u32(TRACK_ID), u32(0), u32(0), zeros(8), u16(0), u16(0), u16(0), u16(0), UNITY_MATRIX, u32(width * 0x10000), u32(height * 0x10000));
  // language 'und' packed as three 5-bit letters
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(TIMESCALE), u32(0), u16(0x55c4), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide'), zeros(12), Buffer.from('VideoHandler\0'));
  const avc1 = box('avc1', zeros(6), u16(1), zeros(16), u16(width), u16(height), u32(0x0048_0000), u32(0x0048_0000), u32(0), u16(1), zeros(32), u16(0x18), u16(0xffff), avcC(sps, pps));
  const stbl = box('stbl',
    fullBox('stsd', 0, 0, u32(1), avc1),
    fullBox('stts', 0, 0, u32(0)), fullBox('stsc', 0, 0, u32(0)), fullBox('stsz', 0, 0, u32(0), u32(0)), fullBox('stco', 0, 0, u32(0)));
  // the data is in this file (dref 'url ' flag 1)
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const minf = box('minf', fullBox('vmhd', 0, 1, zeros(8)), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}

// moof = mfhd (16) + traf (8 + tfhd 16 + tfdt 20 + trun 20 + 12 per sample) + its own header (8)
const MOOF_FIXED = 8 + 16 + 8 + 16 + 20 + 20;
const TRUN_PER_SAMPLE = 12;

/**
 * One fragment (moof + mdat) holding `samples`, the first decoded at `baseDecodeTime` ticks;
 * `sequence` numbers fragments of the stream (increasing from 1). One buffer, one allocation.
 */
export function fragment(sequence: number, baseDecodeTime: number, samples: readonly Fmp4Sample[]): Buffer {
  const moofSize = MOOF_FIXED + TRUN_PER_SAMPLE * samples.length;
  let mdatSize = 8;
  for (const s of samples) for (const nal of s.nals) mdatSize += 4 + nal.length;
  const out = Buffer.allocUnsafe(moofSize + mdatSize);
  let at = 0;
  const header = (size: number, type: string): void => {
    out.writeUInt32BE(size, at);
    out.write(type, at + 4, 'latin1');
    at += 8;
  };
  const word = (v: number): void => {
    out.writeUInt32BE(v >>> 0, at);
    at += 4;
  };
  header(moofSize, 'moof');
  header(16, 'mfhd');
  word(0);
  word(sequence);
  header(moofSize - 8 - 16, 'traf');
  // flags 0x020000 default-base-is-moof: sample data offsets count from this moof (CMAF)
  header(16, 'tfhd');
  word(0x0002_0000);
  word(TRACK_ID);
  header(20, 'tfdt');
  word(0x0100_0000); // version 1: 64-bit decode time
  word(Math.floor(baseDecodeTime / 2 ** 32));
  word(baseDecodeTime % 2 ** 32);
  header(20 + TRUN_PER_SAMPLE * samples.length, 'trun');
  word(0x0000_0701); // data-offset, sample duration, size and flags present
  word(samples.length);
  word(moofSize + 8); // the first sample's bytes follow the mdat header
  for (const s of samples) {
    let size = 0;
    for (const nal of s.nals) size += 4 + nal.length;
    word(s.duration);
    word(size);
    word(s.sync ? SYNC_FLAGS : NON_SYNC_FLAGS);
  }
  header(mdatSize, 'mdat');
  for (const s of samples) {
    for (const nal of s.nals) {
      word(nal.length);
      at += nal.copy(out, at);
    }
  }
  return out;
}
