/**
 * A CP PLUS ORANGE DVR (CP-UVR-0801E1-CV2) in one Node process: N channels of RTSP over TCP at the
 * DVR's URL format, each looping the pre-encoded clip in real time. Serving is a byte copy, so eight
 * channels cost almost no CPU.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { cpPlusUrl } from '../config/cpplus.ts';
import { rootLogger, type Logger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import { FrameClock } from './frame-clock.ts';
import { parseH264 } from '../media/h264.ts';
import { latenessLogger } from './lateness-log.ts';
import { RtspConnection } from './rtsp-connection.ts';
import type { StreamIndex } from './rtsp-target.ts';

export interface DvrSimOptions {
  /** 0 picks a free port */
  port?: number;
  host?: string;
  channels?: number;
  username?: string;
  password?: string;
  /** Annex-B H.264 files (see ensureSample) */
  main: string;
  sub: string;
  sessionTimeoutSec?: number;
  log?: Logger;
}

export interface DvrSim {
  host: string;
  port: number;
  channels: number;
  /** the CP PLUS URL of a channel (contains the password: redact before logging) */
  url(channel: number, stream?: StreamIndex): string;
  /** skippedFrames: frames dropped because the process ran too late to send them (see FrameClock) */
  stats(): { connections: number; playing: number; skippedFrames: number };
  /**
   * Wall-clock time (ms since the epoch) at which `channel`'s main stream last sent clip frame
   * `clipFrame`, at or before `atOrBefore` (for glass-to-glass latency with a marked sample).
   */
  frameSentAt(channel: number, clipFrame: number, atOrBefore?: number): number;
  /** closes the listener and every client connection at once, like a DVR losing power */
  stop(): Promise<void>;
}

const FPS = 25;
const MAX_CONNECTIONS = 256;

export async function startDvrSim(opts: DvrSimOptions): Promise<DvrSim> {
  const host = opts.host ?? '127.0.0.1';
  const channels = opts.channels ?? 8;
  const username = opts.username ?? 'admin';
  const password = opts.password ?? '';
  const log = opts.log ?? rootLogger.child({ component: 'dvr-sim' });
  registerSecret(password);
  const [main, sub] = await Promise.all([readFile(opts.main), readFile(opts.sub)]);
  const clips = { 0: parseH264(main), 1: parseH264(sub) };
  const clock = new FrameClock(FPS, latenessLogger(log));
  const sockets = new Set<Socket>();
  // channels start evenly spread over the clip so that eight tiles do not show the same picture
  // and events differ between cameras; not rounded to a keyframe: clients start at an IDR anyway,
  // and this way the channels' large IDR frames fall on different ticks instead of all at once
  const clipOffset = (channel: number, stream: StreamIndex): number => Math.floor(((channel - 1) * clips[stream].frames.length) / channels);

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new RtspConnection(socket, {
      account: { channels, username, password },
      clips,
      clock,
      clipOffset,
      sessionTimeoutSec: opts.sessionTimeoutSec ?? 60,
      log,
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'dvr-sim listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log.info({ host, port, channels, frames: clips[0].frames.length }, 'dvr-sim listening');

  return {
    host,
    port,
    channels,
    url: (channel, stream = 0) => cpPlusUrl({ host, port, username, password, channel, stream }),
    stats: () => ({ connections: sockets.size, playing: clock.subscribers, skippedFrames: clock.skippedFrames }),
    frameSentAt: (channel, clipFrame, atOrBefore = Date.now()) => {
      const length = clips[0].frames.length;
      const latest = Math.floor(((atOrBefore - clock.originEpochMs) * FPS) / 1000);
      // clock frame n shows clip frame (n + offset) % length: step back to the last n showing clipFrame
      const back = (((latest + clipOffset(channel, 0) - clipFrame) % length) + length) % length;
      return clock.originEpochMs + ((latest - back) * 1000) / FPS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clock.stop();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

