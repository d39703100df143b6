/** The DVR connection test against the DVR simulator over real RTSP: channels, codecs, sizes and each failure's cause. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { probeDvr } from '../../src/media/dvr-probe.ts';
import { freePort } from '../fixtures/free-port.ts';
import { logLines } from '../fixtures/log-lines.ts';
import { until } from '../fixtures/until.ts';

const PASSWORD = 'Probe-Secret-4';

describe('probeDvr', () => {
  const { log } = logLines('silent');
  let sim: DvrSim;
  const target = (extra: object = {}) => ({ host: '127.0.0.1', port: sim.port, username: 'admin', password: PASSWORD, channels: 6, ...extra });

  beforeAll(async () => {
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 4, password: PASSWORD, main: sample.main, sub: sample.sub, log });
  });
  afterAll(async () => sim?.stop());

  it('lists each channel with its codec and resolution, and the channels the DVR does not have', async () => {
    const r = await probeDvr(target(), { concurrency: 2 });
    expect(r).toMatchObject({ reachable: true, error: null });
    expect(r.channels.map((c) => c.channel)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of r.channels.slice(0, 4)) expect(c).toEqual({ channel: c.channel, reachable: true, codec: 'H264', width: 960, height: 1080, error: null, detail: null });
    for (const c of r.channels.slice(4)) expect(c).toMatchObject({ reachable: false, error: 'no_such_channel', detail: '404 Not Found' });
    // every probe closes its connection: a DVR allows few sessions
    await until('the probes\' connections closed', 10_000, () => (sim.stats().connections === 0 ? true : undefined));
  });

  it('says the password is wrong once, for the whole DVR, and never repeats it', async () => {
    const r = await probeDvr(target({ password: 'not-the-one-9' }));
    expect(r).toMatchObject({ reachable: false, error: 'auth_failed' });
    expect(r.channels).toHaveLength(1);
    expect(JSON.stringify(r)).not.toContain('not-the-one-9');
    expect(JSON.stringify(await probeDvr(target()))).not.toContain(PASSWORD);
  });

  it('tells an unreachable DVR, a silent one and a port that is not RTSP apart', async () => {
    expect(await probeDvr(target({ port: await freePort() }))).toMatchObject({ reachable: false, error: 'unreachable', detail: 'ECONNREFUSED' });
    const silent = createServer(() => {});
    const garbage = createServer((s) => s.end(Buffer.alloc(64, 7)));
    await Promise.all([silent, garbage].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    const portOf = (s: typeof silent) => (s.address() as { port: number }).port;
    try {
      expect(await probeDvr(target({ port: portOf(silent) }), { timeoutMs: 500 })).toMatchObject({ error: 'timeout' });
      expect(await probeDvr(target({ port: portOf(garbage) }))).toMatchObject({ error: 'not_rtsp' });
    } finally {
      for (const s of [silent, garbage]) s.close();
    }
  });
});
