/**
 * What receiving costs with Vigil's own RTSP client: N simulator channels (the simulator in its own
 * process, so its CPU is not counted) held by RtspSessions in this one Node process, receiving RTP
 * and doing nothing else. CPU-seconds per channel-minute are comparable with the ingest numbers of
 * the camera-worker bench. Run: npx tsx bench/rtsp-client.ts [--channels 8] [--seconds 60]
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnDvrSim } from '../src/dvr-sim/process.ts';
import type { Failure } from '../src/media/failure.ts';
import { RtspSession } from '../src/media/rtsp/session.ts';

const WARMUP_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

export interface RtspClientBenchResult {
  channels: number;
  seconds: number;
  cpu_s_per_channel_min: number;
  packets_per_channel_s: number;
  mbit_per_channel_s: number;
  rss_mb: number;
  /** 1-minute load average before and after: the machine is shared, read the CPU number against it */
  loadavg_1m: { before: number; after: number };
  /** sessions that ended during the run (none expected) */
  failures: Failure[];
}

export async function benchRtspClient(o: { channels?: number; seconds?: number } = {}): Promise<RtspClientBenchResult> {
  const channels = o.channels ?? 8;
  const seconds = o.seconds ?? 60;
  const sim = await spawnDvrSim({ channels, password: 'bench-secret' });
  const failures: Failure[] = [];
  let packets = 0;
  let bytes = 0;
  const sessions = Array.from({ length: channels }, (_, i) => {
    const s = new RtspSession({ url: sim.url(i + 1, 0) });
    s.on('rtp', (p) => {
      packets += 1;
      bytes += p.length;
    });
    s.on('close', (f) => f && failures.push(f));
    s.start();
    return s;
  });
  try {
    await sleep(WARMUP_MS);
    const before = { cpu: process.cpuUsage(), packets, bytes, load: loadavg()[0]! };
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(before.cpu);
    const channelSeconds = channels * seconds;
    return {
      channels,
      seconds,
      cpu_s_per_channel_min: round((cpu.user + cpu.system) / 1e6 / (channelSeconds / 60), 4),
      packets_per_channel_s: round((packets - before.packets) / channelSeconds, 1),
      mbit_per_channel_s: round(((bytes - before.bytes) * 8) / 1e6 / channelSeconds),
      rss_mb: round(process.memoryUsage().rss / 1e6, 1),
      loadavg_1m: { before: round(before.load, 2), after: round(loadavg()[0]!, 2) },
      failures,
    };
  } finally {
    for (const s of sessions) s.close();
    await sim.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { channels: { type: 'string' }, seconds: { type: 'string' } } });
  const result = await benchRtspClient({ channels: values.channels ? Number(values.channels) : undefined, seconds: values.seconds ? Number(values.seconds) : undefined });
  console.log(JSON.stringify(result, null, 2));
}
