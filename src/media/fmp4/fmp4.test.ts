import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseH264 } from '../h264.ts';
import { fragment, initSegment, TIMESCALE, type Fmp4Sample } from './fmp4.ts';
import { PPS, SPS } from '../llhls/test-frames.ts';
import { boxes, find, readFragment } from './test-boxes.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping the fMP4 decode test: ffmpeg not found');

const [sps, pps] = [SPS, PPS];

describe('initSegment', () => {
  it('declares one H.264 track at 90 kHz with the SPS picture size and the parameter sets in avcC', () => {
    const init = initSegment(sps, pps);
    expect(boxes(init).map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(find(init, ['ftyp']).body.toString('latin1', 0, 4)).toBe('iso5');
    expect(find(init, ['moov', 'mvhd']).body.readUInt32BE(12)).toBe(TIMESCALE);
    expect(find(init, ['moov', 'trak', 'mdia', 'mdhd']).body.readUInt32BE(12)).toBe(TIMESCALE);
    expect(find(init, ['moov', 'trak', 'mdia', 'hdlr']).body.toString('latin1', 8, 12)).toBe('vide');
    const tkhd = find(init, ['moov', 'trak', 'tkhd']).body;
    expect([tkhd.readUInt32BE(76) / 0x10000, tkhd.readUInt32BE(80) / 0x10000]).toEqual([960, 1080]);
    const stsd = find(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']).body;
    const [avc1] = boxes(stsd.subarray(8));
    expect(avc1!.type).toBe('avc1');
    expect([avc1!.body.readUInt16BE(24), avc1!.body.readUInt16BE(26)]).toEqual([960, 1080]);
    const [avcC] = boxes(avc1!.body.subarray(78));
    expect(avcC!.type).toBe('avcC');
    const rec = avcC!.body;
    expect([rec[0], rec[1], rec[3], rec[4]! & 3, rec[5]! & 31]).toEqual([1, 0x4d, 0x20, 3, 1]);
    expect(rec.subarray(8, 8 + sps.length)).toEqual(sps);
    expect(rec.subarray(8 + sps.length + 3)).toEqual(pps);
    expect(find(init, ['moov', 'mvex', 'trex']).body.readUInt32BE(4)).toBe(1);
  });

  it('refuses a NAL unit that is not an SPS', () => {
    expect(() => initSegment(pps, pps)).toThrow(/not an H.264 sequence parameter set/);
  });
});

describe('fragment', () => {
  const samples: Fmp4Sample[] = [
    { nals: [Buffer.from('65aa', 'hex'), Buffer.from('65bbcc', 'hex')], duration: 3600, sync: true },
    { nals: [Buffer.from('41dd', 'hex')], duration: 3000, sync: false },
  ];

  it('writes moof (sequence, 64-bit decode time, per-sample duration, size, sync) and the length-prefixed NALs in mdat', () => {
    const frag = fragment(7, 2 ** 33 + 5, samples);
    expect(boxes(frag).map((b) => b.type)).toEqual(['moof', 'mdat']);
    const read = readFragment(frag);
    expect(read).toMatchObject({ sequence: 7, baseDecodeTime: 2 ** 33 + 5 });
    expect(read.samples).toEqual([{ duration: 3600, size: 4 + 2 + 4 + 3, sync: true }, { duration: 3000, size: 4 + 2, sync: false }]);
    // default-base-is-moof: the offset points just past the mdat header
    expect(frag.subarray(read.dataOffset)).toEqual(Buffer.from('00000002' + '65aa' + '00000003' + '65bbcc' + '00000002' + '41dd', 'hex'));
    expect(find(frag, ['moof', 'traf', 'tfhd']).body.readUInt32BE(0)).toBe(0x0002_0000);
  });

  it('writes an empty run as a valid fragment', () => {
    expect(readFragment(fragment(1, 0, [])).samples).toEqual([]);
  });
});

describe.skipIf(!hasFfmpeg)('fMP4 of a libx264 stream', () => {
  it('decodes with ffmpeg: size, every frame, timestamps and key frames as written', () => {
    const encoded = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=0.8',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-f', 'h264', '-'], { maxBuffer: 8 << 20 });
    expect(encoded.status).toBe(0);
    const clip = parseH264(encoded.stdout);
    const asSamples = (from: number, to: number): Fmp4Sample[] => clip.frames.slice(from, to).map((f) => ({ nals: f.nals, duration: 3600, sync: f.idr }));
    // parts of 5 frames, as LL-HLS cuts them at 25 fps
    const parts = [0, 5, 10, 15].map((from, i) => fragment(i + 1, from * 3600, asSamples(from, from + 5)));
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-fmp4-'));
    try {
      const file = path.join(dir, 'stream.mp4');
      writeFileSync(file, Buffer.concat([initSegment(clip.sps, clip.pps), ...parts]));
      const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-show_entries', 'packet=pts,duration,flags',
        '-of', 'json', file], { encoding: 'utf8' });
      expect(probe.status, probe.stderr).toBe(0);
      const out = JSON.parse(probe.stdout) as { streams: unknown[]; packets: Array<{ pts: number; duration: number; flags: string }> };
      expect(out.streams).toEqual([{ codec_name: 'h264', width: 320, height: 240 }]);
      expect(out.packets.map((p) => p.pts)).toEqual(Array.from({ length: 20 }, (_, i) => i * 3600));
      expect(out.packets.every((p) => p.duration === 3600)).toBe(true);
      expect(out.packets.map((p, i) => (p.flags.startsWith('K') ? i : -1)).filter((i) => i >= 0)).toEqual([0, 10]);
      const decoded = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
      expect(decoded.status).toBe(0);
      expect(decoded.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
