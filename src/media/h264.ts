/**
 * Reads an Annex-B H.264 elementary stream into access units (one per frame) plus the parameter
 * sets the SDP needs. Enough of H.264 for servers that copy bytes (the DVR simulator's RTSP,
 * WebRTC's RTP packetiser); it never decodes pixels.
 */

export const NAL = { SLICE: 1, IDR: 5, SEI: 6, SPS: 7, PPS: 8, AUD: 9 } as const;

export interface AccessUnit {
  /** NAL units without start codes; parameter sets and AUDs are stripped (the packetizer re-sends SPS/PPS) */
  nals: Buffer[];
  idr: boolean;
}

export interface H264Clip {
  sps: Buffer;
  pps: Buffer;
  frames: AccessUnit[];
  /** SDP `profile-level-id`: profile_idc, constraint flags, level_idc as 6 hex digits */
  profileLevelId: string;
  /** SDP `sprop-parameter-sets`: base64 SPS,PPS */
  spropParameterSets: string;
}

export const nalType = (nal: Buffer): number => nal[0]! & 0x1f;

const START_CODE = Buffer.from([0, 0, 1]);

/** Splits on 3- and 4-byte start codes (emulation prevention keeps 00 00 01 out of NAL payloads). */
export function splitNalUnits(stream: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  for (let at = stream.indexOf(START_CODE); at >= 0; ) {
    const next = stream.indexOf(START_CODE, at + 3);
    // a 4-byte start code's leading zero lands at the end of the previous NAL: trim it
    const nal = trimTrailingZeros(stream.subarray(at + 3, next < 0 ? stream.length : next));
    if (nal.length > 0) nals.push(nal);
    at = next;
  }
  return nals;
}

function trimTrailingZeros(nal: Buffer): Buffer {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  return nal.subarray(0, end);
}

const isVcl = (type: number): boolean => type >= NAL.SLICE && type <= NAL.IDR;
// first_mb_in_slice is ue(v) right after the 1-byte NAL header; value 0 is the single bit '1'
const startsPicture = (nal: Buffer): boolean => nal.length > 1 && (nal[1]! & 0x80) !== 0;

/** Groups NAL units into access units (H.264 §7.4.1.2.3, simplified to what encoders emit). */
export function groupAccessUnits(nals: Buffer[]): AccessUnit[] {
  const units: AccessUnit[] = [];
  let current: AccessUnit = { nals: [], idr: false };
  let hasPicture = false;
  const flush = (): void => {
    if (hasPicture) units.push(current);
    current = { nals: [], idr: false };
    hasPicture = false;
  };
  for (const nal of nals) {
    const type = nalType(nal);
    const vcl = isVcl(type);
    if (hasPicture && (vcl ? startsPicture(nal) : type === NAL.AUD || type === NAL.SEI || type === NAL.SPS || type === NAL.PPS)) flush();
    if (type === NAL.AUD || type === NAL.SPS || type === NAL.PPS) continue;
    current.nals.push(nal);
    if (vcl) hasPicture = true;
    if (type === NAL.IDR) current.idr = true;
  }
  flush();
  return units;
}

export function parseH264(stream: Buffer): H264Clip {
  const nals = splitNalUnits(stream);
  const sps = nals.find((n) => nalType(n) === NAL.SPS);
  const pps = nals.find((n) => nalType(n) === NAL.PPS);
  if (!sps || sps.length < 4 || !pps) throw new Error('H.264 stream has no SPS/PPS');
  const frames = groupAccessUnits(nals);
  if (!frames[0]?.idr) throw new Error('H.264 stream must start with an IDR frame (it is played in a loop)');
  return {
    sps,
    pps,
    frames,
    profileLevelId: sps.subarray(1, 4).toString('hex').toUpperCase(),
    spropParameterSets: `${sps.toString('base64')},${pps.toString('base64')}`,
  };
}
