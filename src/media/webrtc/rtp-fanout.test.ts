import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import type { AccessUnit } from '../h264.ts';
import { H264Packetizer } from '../../dvr-sim/rtp.ts';
import { CameraFeed } from '../feed/camera-feed.ts';
import { GopCache } from './gop-cache.ts';
import { parseRtp, startedNalTypes } from './h264-rtp.ts';
import { RtpFanout } from './rtp-fanout.ts';
import { RtpRewriter } from './rtp-rewriter.ts';

const SPS = Buffer.from([0x67, 0x4d, 0x40, 0x20, 0xda, 0x03, 0xc0]);
const PPS = Buffer.from([0x68, 0xef, 0x0f, 0xc8]);
const idr = (): AccessUnit => ({ idr: true, nals: [Buffer.concat([Buffer.from([0x65, 0x88]), Buffer.alloc(3000, 7)])] });
const slice = (): AccessUnit => ({ idr: false, nals: [Buffer.concat([Buffer.from([0x41, 0x9a]), Buffer.alloc(500, 3)])] });

/** A camera's RTP: GOPs of `gop` frames, 3600 ticks apart; `inBand: false` drops SPS/PPS like some DVRs. */
function stream(frames: number, gop: number, inBand = true): Buffer[] {
  const packetizer = new H264Packetizer({ sps: SPS, pps: PPS, ssrc: 1234, initialSeq: 65530 });
  const packets: Buffer[] = [];
  for (let n = 0; n < frames; n++) packets.push(...packetizer.packetizeFrame(n % gop === 0 ? idr() : slice(), 1000 + n * 3600));
  return inBand ? packets : packets.filter((p) => !startedNalTypes(p, parseRtp(p)!).some((t) => t === 7 || t === 8));
}

const nalTypesOf = (p: Buffer): number[] => {
  const info = parseRtp(p)!;
  const payloadType = p[info.payloadOffset]! & 0x1f;
  return payloadType === 24 ? [24, ...startedNalTypes(p, info)] : startedNalTypes(p, info);
};

describe('GopCache', () => {
  it('keeps packets from the last IDR (with its SPS/PPS) up to now', () => {
    const cache = new GopCache();
    for (const p of stream(7, 5)) cache.push(p, parseRtp(p)!);
    const frames = cache.snapshot(96);
    expect(frames.map((f) => f.timestamp)).toEqual([1000 + 5 * 3600, 1000 + 6 * 3600]);
    expect(startedNalTypes(frames[0]!.packets[0]!, parseRtp(frames[0]!.packets[0]!)!)).toEqual([7]);
  });

  it('injects SPS/PPS from the source SDP as a STAP-A before an IDR that came without them', () => {
    const cache = new GopCache();
    cache.sps = SPS;
    cache.pps = PPS;
    for (const p of stream(3, 5, false)) cache.push(p, parseRtp(p)!);
    const first = cache.snapshot(96)[0]!.packets[0]!;
    expect(nalTypesOf(first)).toEqual([24, 7, 8]);
    expect(parseRtp(first)).toMatchObject({ timestamp: 1000, payloadType: 96 });
  });

  it('is not ready before the first IDR', () => {
    const cache = new GopCache();
    for (const p of stream(7, 5).slice(-3)) cache.push(p, parseRtp(p)!);
    expect(cache.ready).toBe(false);
    expect(cache.snapshot(96)).toEqual([]);
  });
});

describe('RtpRewriter', () => {
  it('bursts the GOP with compressed timestamps, then continues live seamlessly', () => {
    const out: Buffer[] = [];
    const rewriter = new RtpRewriter((p) => out.push(p));
    const packets = stream(4, 10);
    const cache = new GopCache();
    for (const p of packets.slice(0, -1)) cache.push(p, parseRtp(p)!);
    rewriter.burst(cache.snapshot(96));
    const live = packets.at(-1)!;
    rewriter.forward(live, parseRtp(live)!.timestamp);
    const infos = out.map((p) => parseRtp(p)!);
    // sequence numbers continue without a gap (and wrap)
    infos.slice(1).forEach((info, i) => expect(info.sequence).toBe((infos[i]!.sequence + 1) & 0xffff));
    const frameTimes = [...new Set(infos.map((i) => i.timestamp))];
    expect(frameTimes).toHaveLength(4);
    // burst frames are 1 tick apart; the live frame keeps the source's 3600-tick spacing
    expect((frameTimes[2]! - frameTimes[0]!) >>> 0).toBe(2);
    expect((frameTimes[3]! - frameTimes[2]!) >>> 0).toBe(3600);
  });
});

describe('RtpFanout', () => {
  let fanout: RtpFanout | undefined;
  let feed: CameraFeed | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    fanout?.stop();
    feed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves late viewers from the cache over one upstream (the camera feed on UDP) and knows the profile', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-fanout-'));
    const sdpPath = path.join(dir, 'cam.sdp');
    await writeFile(sdpPath, 'v=0\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z01AINoDwA==,aO8PyA==; profile-level-id=4D4020\r\n');
    feed = new CameraFeed({ port: 0, sdpPath, log: createLogger('silent') });
    const port = await feed.start();
    fanout = new RtpFanout({ source: feed, log: createLogger('silent') });
    await fanout.start();
    expect(await fanout.profileLevelId(0)).toBe('4D4020');

    const early: Buffer[] = [];
    const late: Buffer[] = [];
    fanout.addViewer((p) => early.push(p));
    const sender = createSocket('udp4');
    const packets = stream(8, 5, false);
    const send = async (list: Buffer[]) => {
      for (const p of list) await new Promise<void>((r) => sender.send(p, port, '127.0.0.1', () => r()));
      await new Promise((r) => setTimeout(r, 100));
    };
    try {
      await send(packets.slice(0, -2));
      fanout.addViewer((p) => late.push(p));
      await send(packets.slice(-2));
    } finally {
      sender.close();
    }
    expect(fanout.stats()).toMatchObject({ packets: packets.length, viewers: 2 });
    // both start with the parameter sets (from the SDP) and an IDR, however late they joined
    for (const got of [early, late]) {
      expect(nalTypesOf(got[0]!)).toEqual([24, 7, 8]);
      expect(nalTypesOf(got[1]!)).toEqual([5]);
    }
    // the late viewer got the GOP so far (frames 5, 6) at once, then the live frame 7
    expect(new Set(late.map((p) => parseRtp(p)!.timestamp)).size).toBe(3);
    // the early viewer got everything, with the parameter sets once (it keeps them for later IDRs)
    expect(early.length).toBe(packets.length + 1);
  });
});
