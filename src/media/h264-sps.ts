/**
 * The picture size an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) declares, as a camera's
 * SDP carries it in `sprop-parameter-sets`: a DVR connection test shows each channel's resolution
 * without decoding video or starting ffmpeg.
 */

/** Reads bits MSB first from a NAL payload with its emulation prevention bytes removed. */
class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new RangeError('SPS ends early');
      v = v * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  /** unsigned Exp-Golomb */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** signed Exp-Golomb */
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

/** Drops the 0x03 of every 00 00 03 (emulation prevention), giving the raw payload. */
function unescape(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (nal[i] === 3 && i >= 2 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

// profiles whose SPS carries chroma format, bit depths and scaling matrices
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Width and height in pixels (after cropping) of an SPS NAL unit (header byte included); null if it is not one or is cut short. */
export function spsResolution(nal: Uint8Array): { width: number; height: number } | null {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) return null;
  try {
    const r = new BitReader(unescape(nal.subarray(1)));
    const profile = r.u(8);
    r.u(16); // constraint flags, level_idc
    r.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    let separateColourPlanes = 0;
    if (HIGH_PROFILES.has(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat === 3) separateColourPlanes = r.u(1);
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.u(1); // qpprime_y_zero_transform_bypass_flag
      if (r.u(1)) {
        for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const cycle = r.ue();
      for (let i = 0; i < cycle; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = r.ue() + 1;
    const heightMapUnits = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field_flag
    r.u(1); // direct_8x8_inference_flag
    const crop = r.u(1) ? { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() } : { left: 0, right: 0, top: 0, bottom: 0 };
    // §7.4.2.1.1: crop units depend on the chroma subsampling (ChromaArrayType 0 when monochrome or planes coded apart)
    const chromaArrayType = separateColourPlanes ? 0 : chromaFormat;
    const cropX = chromaArrayType === 0 ? 1 : chromaArrayType === 3 ? 1 : 2;
    const cropY = (chromaArrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
    return {
      width: widthMbs * 16 - (crop.left + crop.right) * cropX,
      height: (2 - frameMbsOnly) * heightMapUnits * 16 - (crop.top + crop.bottom) * cropY,
    };
  } catch {
    return null;
  }
}
