/**
 * Cameras added, edited and removed while Vigil runs: DVR simulator (real RTSP) → edge role (real
 * ffmpeg) → segment index in PGlite and the API, without a restart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraSchema, dvrSchema } from '../../src/config/schema.ts';
import { resolveConfig, resolvedCamera } from '../../src/config/load.ts';
import { cpPlusUrl } from '../../src/config/cpplus.ts';
import { TOPICS, type FrameMessage } from '../../src/core/types.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { logLines } from '../fixtures/log-lines.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping camera live apply test: ffmpeg not found');

const PASSWORD = 'Apply-Secret-5';

describe.skipIf(!hasFfmpeg)('cameras applied at run time', () => {
  const { log, lines } = logLines('info');
  let dir: string;
  let sim: DvrSim;
  let running: Running;
  let headers: AuthHeaders;
  const framesOf = new Map<string, number>();
  const dvr = () => dvrSchema.parse({ id: 'sim', host: '127.0.0.1', port: sim.port, password: PASSWORD });
  const simCamera = (id: string, channel: number, extra: object = {}) => {
    const cam = cameraSchema.parse({ id, dvr: 'sim', channel, ...extra });
    return resolvedCamera(cam, { id: 'site', timezone: 'UTC' }, cpPlusUrl({ ...dvr(), channel, stream: 0 }), dvr(), 7);
  };
  const listed = async () => {
    const r = await fetch(`${running.apiUrl}/api/v1/cameras`, { headers });
    return ((await r.json()) as { items: Array<{ id: string; status: string }> }).items;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-apply-'));
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 3, password: PASSWORD, main: sample.main, sub: sample.sub, log });
    const loaded = resolveConfig({
      sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: 'cam_a', dvr: 'sim', channel: 1 }] }],
      storage: { data_dir: dir },
      recording: { segment_seconds: 2 },
      detection: { enabled: false },
      api: { port: 0 },
    }, 'apply-test', { VIGIL_DVR_SIM_PASSWORD: PASSWORD });
    running = await startRoles(loaded, ['edge', 'api'], log);
    headers = await authHeaders(running.apiUrl!, running.ctx.repos, 'viewer');
    await running.ctx.bus.subscribe<FrameMessage>({
      topic: TOPICS.streamsRaw, group: 'apply-test', start: 'latest',
      handler: async ({ value }) => void framesOf.set(value.camera_id, (framesOf.get(value.camera_id) ?? 0) + 1),
    });
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts recording a camera added at run time, with its live feed and frames for analysis', async () => {
    const { ctx } = running;
    expect((await listed()).map((c) => c.id)).toEqual(['cam_a']);
    ctx.cameras.put(simCamera('cam_b', 2, { substream: true }));
    expect((await listed()).map((c) => c.id)).toEqual(['cam_a', 'cam_b']);
    await until('segments of cam_b', 60_000, async () => ((await ctx.repos.segments.stats('cam_b')).segments >= 2 ? true : undefined));
    expect(ctx.liveFeeds.get('cam_b')?.subHlsDir).toBeTruthy();
    await until('frames of cam_b on the bus', 30_000, () => ((framesOf.get('cam_b') ?? 0) > 0 ? true : undefined));
    await until('cam_b streaming in the API', 30_000, async () => ((await listed()).find((c) => c.id === 'cam_b')?.status === 'streaming' ? true : undefined));
  }, 120_000);

  it('restarts a camera whose settings changed', async () => {
    const { ctx } = running;
    ctx.cameras.put(simCamera('cam_b', 3, { name: 'Loading bay' }));
    await until('the restart logged', 30_000, () => (lines.some((l) => l.includes('camera restarted') && l.includes('cam_b')) ? true : undefined));
    const r = await fetch(`${running.apiUrl}/api/v1/cameras/cam_b`, { headers });
    expect(((await r.json()) as { name: string; channel: number }).name).toBe('Loading bay');
    expect(ctx.liveFeeds.get('cam_b')?.subHlsDir).toBeNull();
    const before = (await ctx.repos.segments.stats('cam_b')).segments;
    await until('cam_b recording again', 60_000, async () => ((await ctx.repos.segments.stats('cam_b')).segments > before ? true : undefined));
  }, 120_000);

  it('stops a removed camera cleanly while the others keep recording', async () => {
    const { ctx } = running;
    const playingBefore = sim.stats().playing;
    ctx.cameras.remove('cam_b');
    await until('cam_b stopped', 30_000, () => (lines.some((l) => l.includes('camera stopped') && l.includes('cam_b')) ? true : undefined));
    expect(ctx.cameraStatus.has('cam_b')).toBe(false);
    expect(ctx.liveFeeds.get('cam_b')).toBeUndefined();
    expect((await listed()).map((c) => c.id)).toEqual(['cam_a']);
    expect((await ctx.repos.cameras.list()).find((c) => c.id === 'cam_b')?.status).toBe('stopped');
    await until('its RTSP session closed', 30_000, () => (sim.stats().playing < playingBefore ? true : undefined));
    // no segment of cam_b is left open, and none is added after the stop
    const stopped = await ctx.repos.segments.stats('cam_b');
    expect(await ctx.repos.segments.open()).not.toContainEqual(expect.objectContaining({ camera_id: 'cam_b' }));
    const a = (await ctx.repos.segments.stats('cam_a')).segments;
    await until('cam_a still recording', 60_000, async () => ((await ctx.repos.segments.stats('cam_a')).segments > a ? true : undefined));
    expect((await ctx.repos.segments.stats('cam_b')).segments).toBe(stopped.segments);
  }, 120_000);

  it('never logs the DVR password', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
