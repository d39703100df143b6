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
