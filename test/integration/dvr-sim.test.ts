import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.ts';
import { startDvrSimThread } from '../../src/dvr-sim/in-thread.ts';
import { spawnDvrSim } from '../../src/dvr-sim/process.ts';
import { ensureSample, type Sample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { hasGstRtspServer, startGstRtsp } from '../fixtures/gst-rtsp.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const hasGst = hasGstRtspServer();
 
if (!hasFfmpeg) console.warn('skipping dvr-sim integration tests: ffmpeg/ffprobe not found');
if (!hasGst) console.warn('skipping the gst-rtsp-server interoperability test: python3-gi with GstRtspServer not found');
 

/** Async on purpose: the simulator under test runs in this process and must keep serving. */
function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** ffprobe of an RTSP URL or a file: the first video stream. */
async function probeVideo(input: string): Promise<{ codec_name: string; width: number; height: number; r_frame_rate: string }> {
  const rtsp = input.startsWith('rtsp://') ? ['-rtsp_transport', 'tcp', '-timeout', '10000000'] : [];
  const out = await run('ffprobe', ['-v', 'error', ...rtsp, '-select_streams', 'v', '-show_entries', 'stream=codec_name,width,height,r_frame_rate', '-of', 'json', input]);
  expect(out.stderr).toBe('');
  return (JSON.parse(out.stdout) as { streams: Array<{ codec_name: string; width: number; height: number; r_frame_rate: string }> }).streams[0]!;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A bare RTSP client: sends requests and collects everything the server writes back. */
class RawClient {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  async request(lines: string[]): Promise<string> {
    const from = this.received.length;
    this.send(lines);
    await until(() => this.received.indexOf('\r\n\r\n', from) >= 0 || this.closed);
    return this.received.subarray(from).toString('latin1');
  }

  send(lines: string[]): void {
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  /**
   * The interleaved RTP packets after the body-less response that starts at `responseAt`: a
   * client that reads late gets the response and the first packets in one chunk.
   */
  packetsAfterResponse(responseAt: number): Array<{ at: number; length: number; channel: number; seq: number; rtptime: number; nal: number }> {
    const packets = [];
    let at = this.received.indexOf('\r\n\r\n', responseAt) + 4;
    for (; at + 4 <= this.received.length; at += 4 + this.received.readUInt16BE(at + 2)) {
      const end = at + 4 + this.received.readUInt16BE(at + 2);
      if (end > this.received.length) break; // still arriving
      expect(this.received[at]).toBe(0x24); // '$': nothing but interleaved frames after the response
      packets.push({ at, length: this.received.readUInt16BE(at + 2), channel: this.received[at + 1]!, seq: this.received.readUInt16BE(at + 6), rtptime: this.received.readUInt32BE(at + 8), nal: this.received[at + 16]! & 0x1f });
    }
    return packets;
  }
}

/** DESCRIBE and SETUP over TCP interleaved channel 0; returns the session id. */
async function setupSession(client: RawClient, url: string): Promise<string> {
  expect(await client.request([`DESCRIBE ${url} RTSP/1.0`, 'CSeq: 1'])).toMatch(/^RTSP\/1\.0 200 OK/);
  const setup = await client.request([`SETUP ${url}/trackID=0 RTSP/1.0`, 'CSeq: 2', 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
  const session = /Session: (\w+)/.exec(setup)?.[1];
  expect(session).toBeDefined();
  return session!;
}

function rtpInfo(response: string): { seq: number; rtptime: number } {
  const m = /RTP-Info: url=[^;]+;seq=(\d+);rtptime=(\d+)/.exec(response);
  expect(m).not.toBeNull();
  return { seq: Number(m![1]), rtptime: Number(m![2]) };
}

/** Sequence numbers follow each other (mod 2^16) and timestamps never go back. */
function expectGapFree(packets: Array<{ seq: number; rtptime: number }>): void {
  for (let i = 1; i < packets.length; i++) {
    expect(packets[i]!.seq).toBe((packets[i - 1]!.seq + 1) & 0xffff);
    expect(((packets[i]!.rtptime - packets[i - 1]!.rtptime) >>> 0) < 2 ** 31).toBe(true);
  }
}

describe.skipIf(!hasFfmpeg)('dvr-sim (CP PLUS DVR simulator) with ffmpeg', () => {
  let sample: Sample;
  let sim: DvrSim;
  let dir: string;

  beforeAll(async () => {
    sample = await ensureSample();
    sim = await startDvrSim({ port: 0, main: sample.main, sub: sample.sub, log: createLogger('silent') });
    dir = await mkdtemp(join(tmpdir(), 'vigil-dvr-sim-'));
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the main stream as H.264 960x1080 at 25 fps', async () => {
    expect(await probeVideo(sim.url(1, 0))).toMatchObject({ codec_name: 'h264', width: 960, height: 1080, r_frame_rate: '25/1' });
  });

  it('serves the sub stream at a small size', async () => {
    expect(await probeVideo(sim.url(5, 1))).toMatchObject({ codec_name: 'h264', width: 480, height: 270 });
  });

  it('records 3 s by stream copy, starting on a keyframe with one keyframe every 25 frames', async () => {
    const ts = join(dir, 'ch2.ts');
    const rec = await run('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', sim.url(2), '-t', '3', '-c', 'copy', '-f', 'mpegts', '-y', ts]);
    expect(rec.code).toBe(0);
    const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=flags', '-of', 'csv=p=0', ts]);
    // ffprobe prints an empty line after each packet's flags
    const flags = packets.stdout.split('\n').filter((line) => line.trim() !== '');
    const keyframes = flags.map((f, i) => (f.startsWith('K') ? i : -1)).filter((i) => i >= 0);
    expect(flags.length).toBeGreaterThanOrEqual(60);
    expect(keyframes[0]).toBe(0);
    expect(keyframes.length).toBeGreaterThanOrEqual(3);
    expect(keyframes.slice(1).map((k, i) => k - keyframes[i]!)).toEqual(keyframes.slice(1).map(() => 25));
  });

  it('refuses a wrong password with 401 and an unknown channel with 404', async () => {
    const wrong = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', sim.url(1).replace('password=', 'password=nope')]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
    const missing = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', sim.url(9)]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/404/);
  });

  it('speaks RTSP by the book: 461 for UDP, 454 for a foreign session, RTP starting with SPS at an IDR', async () => {
    const client = new RawClient(sim.port);
    const url = sim.url(3);
    try {
      const describeReply = await client.request([`DESCRIBE ${url} RTSP/1.0`, 'CSeq: 1']);
      expect(describeReply).toMatch(/^RTSP\/1\.0 200 OK/);
      expect(describeReply).toMatch(/profile-level-id=4D40[0-9A-F]{2};sprop-parameter-sets=Z/);
      expect(await client.request([`SETUP ${url}/trackID=0 RTSP/1.0`, 'CSeq: 2', 'Transport: RTP/AVP;unicast;client_port=5000-5001'])).toMatch(/^RTSP\/1\.0 461/);
      const setup = await client.request([`SETUP ${url}/trackID=0 RTSP/1.0`, 'CSeq: 3', 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
      const session = /Session: (\w+)/.exec(setup)?.[1];
      expect(session).toBeDefined();
      expect(await client.request([`PLAY ${url} RTSP/1.0`, 'CSeq: 4', 'Session: nope'])).toMatch(/^RTSP\/1\.0 454/);
      const playAt = client.received.length;
      const announced = rtpInfo(await client.request([`PLAY ${url} RTSP/1.0`, 'CSeq: 5', `Session: ${session}`]));
      await until(() => client.packetsAfterResponse(playAt).length > 0, 3000);
      const [first] = client.packetsAfterResponse(playAt);
      // the first packet is the one RTP-Info announced, and SPS comes first: a decoder can start right here
      expect(first).toMatchObject({ channel: 0, seq: announced.seq, rtptime: announced.rtptime, nal: 7 });
    } finally {
      client.socket.destroy();
    }
    await until(() => sim.stats().playing === 0);
  });

  it('RTP-Info names the first packet a client reads, even when the client reads late and the simulator stalls between PLAY and the first frame', async () => {
    const client = new RawClient(sim.port);
    const url = sim.url(4);
    try {
      const session = await setupSession(client, url);
      const playing = sim.stats().playing;
      const skipped = sim.stats().skippedFrames;
      const playAt = client.received.length;
      client.socket.pause(); // the client is slow: the PLAY response and the first packets arrive together
      client.send([`PLAY ${url} RTSP/1.0`, 'CSeq: 3', `Session: ${session}`]);
      // setImmediate runs right after the I/O phase in which the simulator handled PLAY, before its
      // first frame timer can fire: stall the process there for 25 frame times (as under CPU load)
      await new Promise<void>((resolve) => {
        const poll = (): void => {
          if (sim.stats().playing === playing) return void setImmediate(poll);
          for (const end = Date.now() + 1000; Date.now() < end; );
          resolve();
        };
        setImmediate(poll);
      });
      await new Promise((r) => setTimeout(r, 1500));
      client.socket.resume();
      await until(() => client.packetsAfterResponse(playAt).length > 200, 10_000);
      expect(client.received.subarray(playAt).toString('latin1')).toMatch(/^RTSP\/1\.0 200 OK/);
      expect(sim.stats().skippedFrames).toBeGreaterThan(skipped); // the stall did make the clock skip ahead
      const packets = client.packetsAfterResponse(playAt);
      const announced = rtpInfo(client.received.subarray(playAt).toString('latin1'));
      expect(packets[0]).toMatchObject({ channel: 0, seq: announced.seq, rtptime: announced.rtptime, nal: 7 });
      expectGapFree(packets);
    } finally {
      client.socket.destroy();
    }
    await until(() => sim.stats().playing === 0);
  });

  it('plays each channel from its own point of the clip, so cameras do not show the same moment', async () => {
    const clients = [1, 5].map(() => new RawClient(sim.port));
    try {
      const urls = [sim.url(1, 1), sim.url(5, 1)];
      const sessions = await Promise.all(clients.map((c, i) => setupSession(c, urls[i]!)));
      const playAt = clients.map((c) => c.received.length);
      clients.forEach((c, i) => c.send([`PLAY ${urls[i]} RTSP/1.0`, 'CSeq: 3', `Session: ${sessions[i]}`]));
      // SPS, PPS, then the IDR slice (its first packet): the picture each channel starts with
      const firstSlice = (i: number): Buffer | undefined => {
        const idr = clients[i]!.packetsAfterResponse(playAt[i]!)[2];
        return idr && clients[i]!.received.subarray(idr.at + 16, idr.at + 4 + idr.length);
      };
      await until(() => firstSlice(0) !== undefined && firstSlice(1) !== undefined, 5000);
      expect(firstSlice(0)!.equals(firstSlice(1)!)).toBe(false);
    } finally {
      for (const c of clients) c.socket.destroy();
    }
    await until(() => sim.stats().playing === 0);
  });

  it('survives a reconnect storm and garbage without leaking connections or players', async () => {
    const clients = Array.from({ length: 40 }, () => new RawClient(sim.port));
    const replies = await Promise.all(
      clients.map((c, i) => (i % 4 === 0 ? c.request(['GET / HTTP/1.1', 'Host: x']) : c.request([`DESCRIBE ${sim.url((i % 8) + 1)} RTSP/1.0`, `CSeq: ${i}`]))),
    );
    expect(replies.filter((r) => r.startsWith('RTSP/1.0 400')).length).toBe(10);
    expect(replies.filter((r) => r.startsWith('RTSP/1.0 200')).length).toBe(30);
    for (const c of clients) c.socket.destroy();
    await until(() => sim.stats().connections === 0 && sim.stats().playing === 0);
    expect(await probeVideo(sim.url(8, 1))).toMatchObject({ width: 480 });
  });

  it('stop() drops every client at once, like a DVR losing power', async () => {
    const other = await startDvrSim({ port: 0, main: sample.main, sub: sample.sub, log: createLogger('silent') });
    const client = new RawClient(other.port);
    try {
      expect(await client.request([`OPTIONS ${other.url(1)} RTSP/1.0`, 'CSeq: 1'])).toMatch(/GET_PARAMETER/);
      await other.stop();
      await until(() => client.closed);
      expect(client.closed).toBe(true);
    } finally {
      client.socket.destroy();
    }
  });

  it('runs as a separate process that can be killed and restarted on the same port', async () => {
    const first = await spawnDvrSim({ channels: 2 });
    try {
      expect(await probeVideo(first.url(2, 1))).toMatchObject({ codec_name: 'h264', width: 480 });
      first.signal('SIGKILL');
    } finally {
      await first.stop();
    }
    const second = await spawnDvrSim({ channels: 2, port: first.port });
    try {
      expect(second.port).toBe(first.port);
      expect(await probeVideo(second.url(1, 1))).toMatchObject({ codec_name: 'h264' });
    } finally {
      await second.stop();
    }
  });

  it.skipIf(!hasGst)('gst-rtsp-server serves the same clip at the CP PLUS path (independent implementation)', async () => {
    const gst = await startGstRtsp({ h264Path: sample.main, channels: 2 });
    try {
      expect(await probeVideo(gst.url(2))).toMatchObject({ codec_name: 'h264', width: 960, height: 1080, r_frame_rate: '25/1' });
      const missing = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', gst.url(3)]);
      expect(missing.stderr).toMatch(/404/);
    } finally {
      await gst.stop();
    }
  });
});

describe.skipIf(!hasFfmpeg)('ensureSample without vtest.avi', () => {
  it('falls back to a synthetic clip once, then reuses it', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'vigil-sample-'));
    try {
      const first = await ensureSample(cacheDir, createLogger('silent'), { download: false });
      expect(first.source).toBe('synthetic');
      expect(await probeVideo(first.main)).toMatchObject({ codec_name: 'h264', width: 960, height: 1080 });
      const encodedAt = (await stat(first.main)).mtimeMs;
      expect(await ensureSample(cacheDir, createLogger('silent'), { download: false })).toEqual(first);
      expect((await stat(first.main)).mtimeMs).toBe(encodedAt);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasFfmpeg)('dvr-sim in its own thread (the demo DVR)', () => {
  it('keeps sending frames on time while the thread that started it is blocked', async () => {
    const sample = await ensureSample();
    const sim = await startDvrSimThread({ port: 0, channels: 2, main: sample.main, sub: sample.sub, logLevel: 'silent' }, createLogger('silent'));
    const dir = await mkdtemp(join(tmpdir(), 'vigil-dvr-thread-'));
    try {
      const ts = join(dir, 'sub.ts');
      const recording = run('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', sim.url(1, 1), '-t', '8', '-c', 'copy', '-f', 'mpegts', '-y', ts], 60_000);
      const started = Date.now();
      while (((await stat(ts).catch(() => null))?.size ?? 0) === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
      for (const end = Date.now() + 3000; Date.now() < end; ); // Vigil's thread stalls for 3 s
      expect((await recording).code).toBe(0);
      const out = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', ts]);
      const pts = out.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => Number.parseFloat(l));
      expect(pts.length).toBeGreaterThan(150);
      // in the stalled thread the clock would have dropped the 3 s (a jump in the timestamps)
      expect(Math.max(...pts.slice(1).map((t, i) => t - pts[i]!))).toBeLessThan(1);
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects with EADDRINUSE when the port is taken, and stop() closes the port', async () => {
    const sample = await ensureSample();
    const first = await startDvrSimThread({ port: 0, channels: 1, main: sample.main, sub: sample.sub, logLevel: 'silent' }, createLogger('silent'));
    try {
      await expect(startDvrSimThread({ port: first.port, channels: 1, main: sample.main, sub: sample.sub, logLevel: 'silent' }, createLogger('silent'))).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.stop();
    }
    const refused = await new Promise<string>((resolve) => connect(first.port, '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).on('connect', () => resolve('connected')));
    expect(refused).toBe('ECONNREFUSED');
  });
});
