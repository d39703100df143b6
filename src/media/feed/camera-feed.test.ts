import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { H264Packetizer } from '../../dvr-sim/rtp.ts';
import { DEFAULT_SAMPLE_DIR } from '../../dvr-sim/sample.ts';
import { parseH264 } from '../h264.ts';
import { CameraFeed } from './camera-feed.ts';
import type { TimedAccessUnit } from './timed-access-unit.ts';

const clip = parseH264(readFileSync(`${DEFAULT_SAMPLE_DIR}/vtest-main.h264`));

describe('CameraFeed with a source in this process', () => {
  it('takes the codec from the session (payload type, parameter sets) and starts afresh with each new source, even on the same SSRC', () => {
    const feed = new CameraFeed({ port: 0, sdpPath: '/nonexistent/never-read.sdp', log: createLogger('silent') });
    const units: TimedAccessUnit[] = [];
    let restarts = 0;
    feed.on('accessUnit', (au) => units.push(au));
    feed.on('sourceRestarted', () => restarts++);
    const codec = { payloadType: 97, profileLevelId: '4D4020', sps: clip.sps, pps: clip.pps };
    const send = (payloadType: number) => {
      const p = new H264Packetizer({ sps: clip.sps, pps: clip.pps, ssrc: 7, initialSeq: 1, maxPayload: 1400, payloadType });
      clip.frames.slice(0, 30).forEach((f, i) => p.packetizeFrame(f, i * 3600).forEach((pk) => feed.receive(pk)));
    };

    feed.setSource(codec);
    expect(feed.codec).toBe(codec);
    send(96); // not the session's payload type: ignored
    expect(units).toHaveLength(0);
    send(97);
    expect(units).toHaveLength(30);
    expect(feed.latestIdr?.parameterSets).toEqual({ sps: clip.sps, pps: clip.pps });
    expect(restarts).toBe(0);

    feed.setSource({ ...codec, payloadType: 96 });
    expect(restarts).toBe(1);
    expect(feed.latestIdr).toBeUndefined();
    send(96);
    expect(units).toHaveLength(60);
    // a fresh depacketiser: the new source's clock is its own, not a jump back in the old one's
    expect(units[30]!.pts90k).toBe(0);
    expect(restarts).toBe(1);
  });
});

describe('a demand-driven CameraFeed', () => {
  it('asks for packets while claimed (a packet listener claims too), drops those that come after, and hides an IDR kept from before', () => {
    const feed = new CameraFeed({ port: 0, sdpPath: '/nonexistent/never-read.sdp', log: createLogger('silent'), demandDriven: true });
    feed.setSource({ payloadType: 96, profileLevelId: '4D4020', sps: clip.sps, pps: clip.pps });
    const demand: boolean[] = [];
    const units: TimedAccessUnit[] = [];
    feed.on('demand', (wanted) => demand.push(wanted));
    feed.on('accessUnit', (au) => units.push(au));
    const p = new H264Packetizer({ sps: clip.sps, pps: clip.pps, ssrc: 7, initialSeq: 1, maxPayload: 1400, payloadType: 96 });
    let next = 0;
    const send = (n: number) => {
      for (const end = next + n; next < end; next++) p.packetizeFrame(clip.frames[next]!, next * 3600).forEach((pk) => feed.receive(pk));
    };

    const packets: Buffer[] = [];
    const off = feed.onPacket((pk) => packets.push(pk));
    expect(feed.claimedBy).toEqual(['webrtc']);
    send(5);
    expect(units).toHaveLength(5);
    expect(feed.latestIdr?.pts90k).toBe(0);
    off();
    expect(demand).toEqual([true, false]);
    // sent before the source heard: not taken, and the IDR from before is not offered as current
    send(5);
    expect(units).toHaveLength(5);
    expect(feed.latestIdr).toBeUndefined();

    const release = feed.claim('snapshot');
    expect(demand).toEqual([true, false, true]);
    // the source resumes at its GOP's IDR (frame 25), after a jump in sequence numbers that is no loss
    next = 25;
    feed.resume();
    send(2);
    expect(units.slice(5).map((u) => [u.pts90k / 3600, u.idr])).toEqual([[25, true], [26, false]]);
    expect(feed.latestIdr?.pts90k).toBe(25 * 3600);
    release();
    expect(packets.length).toBeGreaterThan(0);
  });
});
