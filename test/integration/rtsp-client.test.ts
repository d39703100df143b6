/**
 * Vigil's own RTSP client against real servers: the DVR simulator as a separate process (so it can
 * be hung and killed) and GStreamer's gst-rtsp-server (an independent implementation). The H.264
 * it receives must decode with ffmpeg, and no process may show the DVR password in its argv.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { NAL, nalType } from '../../src/media/h264.ts';
import type { Failure } from '../../src/media/failure.ts';
import { RtspSession, type RtspSessionOptions } from '../../src/media/rtsp/session.ts';
import type { H264TrackInfo } from '../../src/media/rtsp/sdp.ts';
import { completeNals, parseRtp, startedNalTypes, startsIdr } from '../../src/media/webrtc/h264-rtp.ts';
import { hasGstRtspServer, startGstRtsp, type GstRtsp } from '../fixtures/gst-rtsp.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const hasGst = hasGstRtspServer();
if (!hasFfmpeg) console.warn('skipping rtsp-client integration tests: ffmpeg not found');
if (!hasGst) console.warn('skipping the gst-rtsp-server part: python3-gi with GstRtspServer not found');

const PASSWORD = 'Dvr-Secret-91';
const FU_A = 28;
const START_CODE = Buffer.from([0, 0, 0, 1]);

interface Run { session: RtspSession; track?: H264TrackInfo; packets: Buffer[]; closed: Promise<Failure | null> }

const sessions: RtspSession[] = [];

function run(opts: RtspSessionOptions): Run {
  const session = new RtspSession({ timeoutMs: 5000, ...opts });
  sessions.push(session);
  const r: Run = { session, packets: [], closed: new Promise((resolve) => session.once('close', resolve)) };
  session.on('track', (t) => (r.track = t));
  session.on('rtp', (p) => r.packets.push(Buffer.from(p)));
  session.start();
  return r;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** RTP over TCP loses nothing: sequence numbers follow one another */
const sequenceGaps = (packets: Buffer[]): number =>
  packets.filter((p, i) => i > 0 && p.readUInt16BE(2) !== ((packets[i - 1]!.readUInt16BE(2) + 1) & 0xffff)).length;

/**
 * Annex-B from RTP (RFC 6184 single NAL, STAP-A, FU-A), SDP parameter sets first, from the first
 * IDR to the last complete frame (marker bit): a capture cut after a frame's SPS and PPS would
 * otherwise end in an access unit without a picture.
 */
function annexB(packets: Buffer[], track: H264TrackInfo): Buffer {
  const first = packets.findIndex((p) => startsIdr(startedNalTypes(p, parseRtp(p)!)));
  const last = packets.map((p) => parseRtp(p)!.marker).lastIndexOf(true);
  const out: Buffer[] = [];
  if (track.sps && track.pps) out.push(START_CODE, track.sps, START_CODE, track.pps);
  let fragments: Buffer[] | undefined;
  for (const packet of packets.slice(Math.max(first, 0), last + 1)) {
    const info = parseRtp(packet)!;
    const payload = packet.subarray(info.payloadOffset, info.payloadEnd);
    if ((payload[0]! & 0x1f) !== FU_A) {
      for (const nal of completeNals(packet, info)) out.push(START_CODE, nal);
      continue;
    }
    const header = payload[1]!;
    if (header & 0x80) fragments = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
    fragments?.push(payload.subarray(2));
    if (header & 0x40 && fragments) {
      out.push(START_CODE, ...fragments);
      fragments = undefined;
    }
  }
  return Buffer.concat(out);
}

/** Decodes an Annex-B stream with ffmpeg: frame count, size, and whatever ffmpeg complained about. */
async function decode(stream: Buffer): Promise<{ frames: number; size: string; errors: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-rtsp-client-'));
  try {
    const file = path.join(dir, 'in.h264');
    await writeFile(file, stream);
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'h264', '-i', file, '-f', 'null', '-'], { timeout: 60_000 }, (err, _out, errOut) => (err ? reject(err) : resolve(errOut))));
    const info = await new Promise<string>((resolve, reject) =>
      execFile('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', file], { timeout: 60_000 }, (err, out) => (err ? reject(err) : resolve(out.trim()))));
    const [width, height, frames] = info.split(',');
    return { frames: Number(frames), size: `${width}x${height}`, errors: stderr.trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** pids whose command line contains `text` (other than the pgrep itself) */
const pidsShowing = (text: string): number[] =>
  spawnSync('pgrep', ['-f', '--', text]).stdout.toString().split('\n').filter(Boolean).map(Number);

afterAll(() => {
  for (const s of sessions) s.close();
});

describe.skipIf(!hasFfmpeg)('RTSP client against the DVR simulator', () => {
  let dvr: DvrSimProcess;

  beforeAll(async () => {
    dvr = await spawnDvrSim({ channels: 2, password: PASSWORD });
  });

  afterAll(async () => {
    await dvr?.stop();
  });

  it('receives RTP whose H.264 decodes, with the track from the SDP, and no argv but the simulator\'s shows the password', async () => {
    const r = run({ url: dvr.url(1) });
    // GOP 25 at 25 fps: 4 s holds at least three IDRs
    await until('4 s of RTP', () => r.packets.length > 0 && parseRtp(r.packets.at(-1)!)!.timestamp - parseRtp(r.packets[0]!)!.timestamp >= 4 * 90_000, 30_000);
    expect(r.track).toMatchObject({ payloadType: 96, clockRate: 90_000, profileLevelId: expect.stringMatching(/^[0-9A-F]{6}$/) });
    expect(nalType(r.track!.sps ?? Buffer.alloc(1))).toBe(NAL.SPS);
    expect(nalType(r.track!.pps ?? Buffer.alloc(1))).toBe(NAL.PPS);
    expect(r.packets.every((p) => parseRtp(p)?.payloadType === 96)).toBe(true);
    expect(sequenceGaps(r.packets)).toBe(0);

    // the client is in this process: no child of it, and only the simulator (given it on purpose) shows the password
    expect(pidsShowing(PASSWORD)).toEqual([dvr.pid]);
    expect(spawnSync('pgrep', ['-P', String(process.pid)]).stdout.toString().trim().split('\n').filter(Boolean).map(Number)).toEqual([dvr.pid]);

    const decoded = await decode(annexB(r.packets, r.track!));
    expect(decoded.errors).toBe('');
    expect(decoded.size).toBe('960x1080');
    expect(decoded.frames).toBeGreaterThanOrEqual(50);
    r.session.close();
    expect(await r.closed).toBeNull();
  });

  it('classifies a wrong password, an unknown channel and a port nobody listens on', async () => {
    expect(await run({ url: dvr.url(1).replace(PASSWORD, 'wrong') }).closed).toEqual({ kind: 'auth', cause: 'wrong username/password (RTSP 401 Unauthorized)' });
    expect(await run({ url: dvr.url(9) }).closed).toMatchObject({ kind: 'not_found' });
    const refused = await run({ url: dvr.url(1).replace(`:${dvr.port}/`, ':1/') }).closed;
    expect(refused).toEqual({ kind: 'unreachable', cause: 'DVR unreachable (connection refused)' });
  });

  it('reports a hung DVR as stalled, and a killed one as ended', async () => {
    const hung = run({ url: dvr.url(2), stallMs: 2000 });
    await until('packets', () => hung.packets.length > 10, 30_000);
    dvr.signal('SIGSTOP');
    try {
      expect(await hung.closed).toEqual({ kind: 'stalled', cause: 'stream stalled: no frame or segment for 2 s' });
    } finally {
      dvr.signal('SIGCONT');
    }

    const killed = run({ url: dvr.url(2) });
    await until('packets', () => killed.packets.length > 10, 30_000);
    dvr.signal('SIGKILL');
    expect(await killed.closed).toEqual({ kind: 'ended', cause: 'stream ended: the DVR closed the connection' });
  });
});

describe.skipIf(!hasFfmpeg || !hasGst)('RTSP client against gst-rtsp-server', () => {
  let gst: GstRtsp | undefined;

  afterAll(async () => {
    await gst?.stop();
  });

  it('receives RTP whose H.264 decodes from the CP PLUS path', async () => {
    const sample = await ensureSample();
    gst = await startGstRtsp({ h264Path: sample.main, channels: 2 });
    const r = run({ url: gst.url(2) });
    await until('4 s of RTP', () => r.packets.length > 0 && parseRtp(r.packets.at(-1)!)!.timestamp - parseRtp(r.packets[0]!)!.timestamp >= 4 * 90_000, 30_000);
    expect(r.track).toMatchObject({ clockRate: 90_000 });
    expect(sequenceGaps(r.packets)).toBe(0);
    const decoded = await decode(annexB(r.packets, r.track!));
    expect(decoded.errors).toBe('');
    expect(decoded.size).toBe('960x1080');
    expect(decoded.frames).toBeGreaterThanOrEqual(50);
    r.session.close();
    expect(await r.closed).toBeNull();
  });
});
