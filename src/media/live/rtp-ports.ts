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
 * One RTP port per camera, RTCP at port + 1: from basePort upwards in steps of two, or, with
 * basePort 0, free pairs picked now (the WebRTC side binds them when it starts).
 */
export async function allocateRtpPorts(cameraIds: string[], basePort: number): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  const taken = new Set<number>();
  for (const [i, id] of cameraIds.entries()) {
    const port = basePort > 0 ? basePort + 2 * i : await freePortPair(taken);
    if (port + 1 > 65535) throw new Error(`live.rtp_base_port ${basePort} leaves no room for ${cameraIds.length} cameras (two ports each)`);
    taken.add(port).add(port + 1);
    ports.set(id, port);
  }
  return ports;
}
