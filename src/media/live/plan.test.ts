import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/load.ts';
import { LiveFeeds } from './feeds.ts';
import { LivePlanner, type CameraLivePlan } from './plan.ts';
import { RtpPorts } from './rtp-ports.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-live-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (live: object) => resolveConfig({
  sites: [{
    id: 's', dvrs: [{ id: 'dvr1', host: '10.0.0.2' }],
    cameras: [{ id: 'cam_a', dvr: 'dvr1', channel: 3, substream: true }, { id: 'cam_b', url: 'rtsp://10.0.0.9/x' }],
  }],
  storage: { data_dir: dir },
  live,
}, 'test', { VIGIL_DVR_DVR1_PASSWORD: 'Sub-Secret-1' });

const planAll = async (loaded: ReturnType<typeof config>) => {
  const planner = await LivePlanner.create(loaded);
  const plans = new Map<string, CameraLivePlan>();
  for (const c of loaded.cameras) plans.set(c.id, await planner.plan(c));
  return plans;
};

describe('LivePlanner', () => {
  it('lays out HLS dirs, the sub stream and RTP ports per camera, and empties the live dir', async () => {
    mkdirSync(path.join(dir, 'live', 'gone'), { recursive: true });
    writeFileSync(path.join(dir, 'live', 'gone', 'index.m3u8'), 'stale');
    const plans = await planAll(config({ rtp_base_port: 40000 }));
    expect(existsSync(path.join(dir, 'live', 'gone'))).toBe(false);
    const a = plans.get('cam_a')!;
    expect(a).toMatchObject({ hlsDir: path.join(dir, 'live', 'cam_a'), subHlsDir: path.join(dir, 'live', 'cam_a', 'sub'), webrtc: true });
    expect(a.main).toEqual({ hlsDir: a.hlsDir, rtp: { port: 40000, sdpPath: path.join(dir, 'live', 'cam_a.sdp') } });
    expect(a.sub).toEqual({ url: 'rtsp://10.0.0.2:554/user=admin&password=Sub-Secret-1&channel=3&stream=1.sdp?', hlsDir: a.subHlsDir });
    const b = plans.get('cam_b')!;
    expect(b.main.rtp.port).toBe(40002);
    expect(b.sub).toBeNull();
    expect(b.subHlsDir).toBeNull();
  });

  it('plans only the feed (frames and snapshots come from it) when HLS and WebRTC are off', async () => {
    const a = (await planAll(config({ hls: false, webrtc: false }))).get('cam_a')!;
    expect(a).toMatchObject({ hlsDir: null, subHlsDir: null, webrtc: false });
    expect(a.main).toEqual({ hlsDir: undefined, rtp: { port: expect.any(Number), sdpPath: path.join(dir, 'live', 'cam_a.sdp') } });
    expect(a.sub).toBeNull();
  });

  it('gives a stopped camera\'s RTP ports to the next camera started', async () => {
    const loaded = config({ rtp_base_port: 40000 });
    const planner = await LivePlanner.create(loaded);
    const [a, b] = loaded.cameras;
    expect((await planner.plan(a!)).main.rtp.port).toBe(40000);
    expect((await planner.plan(b!)).main.rtp.port).toBe(40002);
    planner.release(a!.id);
    expect((await planner.plan({ ...a!, id: 'cam_c' })).main.rtp.port).toBe(40000);
    expect((await planner.plan(b!)).main.rtp.port).toBe(40002);
  });

  it('rejects substream on a camera that is not CP PLUS', () => {
    expect(() => resolveConfig({ sites: [{ id: 's', cameras: [{ id: 'c', url: 'rtsp://h/x', substream: true }] }] }, 'test', {})).toThrow(/substream: substream needs a CP PLUS camera/);
  });
});

describe('RtpPorts', () => {
  it('picks distinct free pairs (RTP and RTCP) when no base port is set', async () => {
    const ports = new RtpPorts(0);
    const all: number[] = [];
    for (const id of ['a', 'b', 'c']) all.push(await ports.take(id), (await ports.take(id)) + 1);
    expect(new Set(all).size).toBe(6);
    for (const p of all) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => s.once('error', reject).bind(p, '127.0.0.1', resolve));
      s.close();
    }
  });

  it('refuses a base port with no room for every camera', async () => {
    const ports = new RtpPorts(65533);
    await ports.take('a');
    await expect(ports.take('b')).rejects.toThrow(/rtp_base_port 65533/);
  });
});

describe('LiveFeeds', () => {
  it('finds a feed by camera until it is removed', () => {
    const feeds = new LiveFeeds();
    feeds.set({ cameraId: 'cam_a', hlsDir: '/l/cam_a', subHlsDir: null, llHls: null, rtp: null, snapshot: () => Promise.reject(new Error('none')) });
    expect(feeds.get('cam_a')?.hlsDir).toBe('/l/cam_a');
    expect(feeds.list()).toHaveLength(1);
    feeds.delete('cam_a');
    expect(feeds.get('cam_a')).toBeUndefined();
  });
});
