import { NAL, nalType } from '../h264.ts';
import { PTS_WRAP, TS_PACKET, writePcrBase, writeTimestamp } from '../vod/ts-timestamps.ts';

/**
 * MPEG-TS (ISO/IEC 13818-1) for one H.264 video stream, laid out as ffmpeg's mpegts muxer lays out
 * the recordings it writes, so segments written here and by ffmpeg are read the same way (VOD,
 * clips, catch-up analysis): PAT and PMT on PIDs 0 and 0x1000, video on PID 0x100 carrying the PCR,
 * one PES per access unit with an AUD first and SPS/PPS in-band before every IDR, the first frame
 * at 1.4 s and the PCR 0.7 s behind the decode time.
 */
export const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
const PAT_PID = 0;
const PROGRAM_NUMBER = 1;
const STREAM_TYPE_H264 = 0x1b;
const VIDEO_STREAM_ID = 0xe0;
const SYNC = 0x47;
const PAYLOAD = TS_PACKET - 4;
/** where each file's first frame is presented (ffmpeg's, also with -reset_timestamps) */
export const FIRST_PTS = 126_000;
/** the PCR runs this far behind the decode time: a player has the frame before it is due */
export const PCR_LEAD = 63_000;

const START_CODE = Buffer.from([0, 0, 0, 1]);
/** access unit delimiter, primary_pic_type 7 (any slice type) */
const AUD = Buffer.from([0, 0, 0, 1, NAL.AUD, 0xf0]);

/** One frame to mux: its NAL units (no start codes) and its presentation time in 90 kHz ticks. */
export interface MuxFrame {
  nals: Buffer[];
  idr: boolean;
  pts90k: number;
  /** written in-band before an IDR */
  parameterSets?: { sps: Buffer; pps: Buffer };
}

/**
 * Muxes the frames of one file. Continuity counters start at 0 per file (every file is read from
 * its start). Decode order is presentation order (no B-frames), so the PES carries the PTS alone,
 * which means DTS = PTS.
 */
export class TsMuxer {
  /** continuity counters by PID (13 bits) */
  private readonly cc = new Uint8Array(0x2000);

  /** PAT, PMT and the frame's PES as whole 188-byte packets; PAT/PMT go before every IDR so any keyframe is a starting point. */
  mux(f: MuxFrame): Buffer {
    const pes = pesPacket(f);
    const pesPackets = packetCount(pes.length);
    const tables = f.idr ? 2 : 0;
    const out = Buffer.allocUnsafe((tables + pesPackets) * TS_PACKET);
    if (f.idr) {
      this.section(out, 0, PAT_PID, PAT_SECTION);
      this.section(out, TS_PACKET, PMT_PID, PMT_SECTION);
    }
    this.pes(out, tables * TS_PACKET, pes, f);
    return out;
  }

  private next(pid: number): number {
    const c = this.cc[pid]!;
    this.cc[pid] = (c + 1) & 0x0f;
    return c;
  }

  private header(out: Buffer, at: number, pid: number, start: boolean, adaptation: boolean): void {
    out[at] = SYNC;
    out[at + 1] = (start ? 0x40 : 0) | (pid >> 8);
    out[at + 2] = pid & 0xff;
    out[at + 3] = (adaptation ? 0x30 : 0x10) | this.next(pid);
  }

  /** A PSI section in one packet: pointer_field 0, then the section, then 0xff stuffing. */
  private section(out: Buffer, at: number, pid: number, section: Buffer): void {
    this.header(out, at, pid, true, false);
    out[at + 4] = 0;
    section.copy(out, at + 5);
    out.fill(0xff, at + 5 + section.length, at + TS_PACKET);
  }

  private pes(out: Buffer, at: number, pes: Buffer, f: MuxFrame): void {
    let read = 0;
    for (let p = at; read < pes.length; p += TS_PACKET) {
      const first = read === 0;
      const left = pes.length - read;
      // the first packet carries the PCR (7 bytes after the length: flags + 6); the last one
      // is filled up with adaptation-field stuffing so the payload ends exactly at the packet's end
      const fields = first ? 7 : 0;
      const room = PAYLOAD - (first ? 1 + fields : 0);
      const take = Math.min(left, room);
      const adaptation = first || take < PAYLOAD;
      this.header(out, p, VIDEO_PID, first, adaptation);
      let body = p + 4;
      if (adaptation) {
        const afLength = PAYLOAD - take - 1;
        out[body] = afLength;
        if (afLength > 0) {
          out[body + 1] = first ? 0x10 | (f.idr ? 0x40 : 0) : 0; // PCR flag, random_access_indicator on keyframes
          if (first) {
            out[body + 6] = 0x7e; // reserved bits, extension 0
            out[body + 7] = 0;
            writePcrBase(out, body + 2, wrap(f.pts90k - PCR_LEAD));
          }
          out.fill(0xff, body + 2 + (first ? 6 : 0), body + 1 + afLength);
        }
        body += 1 + afLength;
      }
      pes.copy(out, body, read, read + take);
      read += take;
    }
  }
}

const wrap = (t: number): number => ((t % PTS_WRAP) + PTS_WRAP) % PTS_WRAP;

/** TS packets a PES of `length` bytes takes: the first packet loses 8 bytes to the PCR. */
function packetCount(length: number): number {
  const firstRoom = PAYLOAD - 8;
  return length <= firstRoom ? 1 : 1 + Math.ceil((length - firstRoom) / PAYLOAD);
}

/** PES header (PTS only, unbounded length as for any video PES), AUD, parameter sets on an IDR, then the frame's NAL units. */
function pesPacket(f: MuxFrame): Buffer {
  const header = Buffer.from([0, 0, 1, VIDEO_STREAM_ID, 0, 0, 0x80, 0x80, 5, 0x21, 0, 0, 0, 0]);
  writeTimestamp(header, 9, wrap(f.pts90k));
  const parts: Buffer[] = [header, AUD];
  const inBand = f.idr && f.parameterSets;
  if (inBand) parts.push(START_CODE, f.parameterSets!.sps, START_CODE, f.parameterSets!.pps);
  for (const nal of f.nals) {
    const type = nalType(nal);
    // ours replace any the source sent: exactly one AUD first, one SPS/PPS pair before the IDR
    if (type === NAL.AUD || (inBand && (type === NAL.SPS || type === NAL.PPS))) continue;
    parts.push(START_CODE, nal);
  }
  return Buffer.concat(parts);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  return c >>> 0;
});

/** CRC-32/MPEG-2 of PSI sections (polynomial 0x04C11DB7, no reflection, no final xor). */
export function crc32Mpeg(b: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of b) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

function psiSection(tableId: number, idExtension: number, body: number[]): Buffer {
  const sectionLength = 5 + body.length + 4;
  const s = Buffer.from([tableId, 0xb0 | (sectionLength >> 8), sectionLength & 0xff, idExtension >> 8, idExtension & 0xff, 0xc1, 0, 0, ...body, 0, 0, 0, 0]);
  s.writeUInt32BE(crc32Mpeg(s.subarray(0, s.length - 4)), s.length - 4);
  return s;
}

/** program 1 → PMT */
const PAT_SECTION = psiSection(0x00, 1, [PROGRAM_NUMBER >> 8, PROGRAM_NUMBER & 0xff, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]);
/** PCR on the video PID; one H.264 stream */
const PMT_SECTION = psiSection(0x02, PROGRAM_NUMBER, [
  0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
  STREAM_TYPE_H264, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
]);
