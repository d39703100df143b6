import { createSocket, type Socket } from 'node:dgram';

const MAX_ATTEMPTS = 50;

function bindUdp(port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** An RTP port whose RTCP neighbour (port + 1) is free too, as ffmpeg's RTP output sends to both. */
async function freePortPair(taken: Set<number>): Promise<number> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const rtp = await bindUdp(0);
    if (!rtp) break;
    const port = rtp.address().port;
    const rtcp = port < 65535 && !taken.has(port) && !taken.has(port + 1) ? await bindUdp(port + 1) : null;
    rtp.close();
    rtcp?.close();
    if (rtcp) return port;
  }
  throw new Error('no free pair of UDP ports on 127.0.0.1 for RTP');
}

/**
 * One RTP port per camera, RTCP at port + 1: the lowest free pair from basePort upwards in steps
 * of two, or, with basePort 0, a free pair picked now (the WebRTC side binds it when it starts).
 * Cameras come and go while the process runs, so a removed camera's pair is given to the next one.
 */
export class RtpPorts {
  private readonly byCamera = new Map<string, number>();

  constructor(private readonly basePort: number) {}

  async take(cameraId: string): Promise<number> {
    const own = this.byCamera.get(cameraId);
    if (own !== undefined) return own;
    const taken = new Set([...this.byCamera.values()].flatMap((p) => [p, p + 1]));
    let port: number;
    if (this.basePort > 0) {
      port = this.basePort;
      while (taken.has(port)) port += 2;
      if (port + 1 > 65535) throw new Error(`live.rtp_base_port ${this.basePort} leaves no room for ${this.byCamera.size + 1} cameras (two ports each)`);
    } else {
      port = await freePortPair(taken);
    }
    this.byCamera.set(cameraId, port);
    return port;
  }

  release(cameraId: string): void {
    this.byCamera.delete(cameraId);
  }
}
