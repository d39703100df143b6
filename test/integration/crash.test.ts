/**
 * Crash safety (issue 3 §7): `vigil run` with two cameras from the simulator (a separate process)
 * is SIGKILLed with its ffmpeg children — the whole process group, as a power cut would — at a
 * random moment. Every segment on disk must be readable up to the kill; a restart on the same
 * data dir must take over the dead process's database lock, bring the index in line with the
 * files (orphans indexed, vanished files marked missing, open rows closed, the downtime a gap)
 * and resume recording. The restarted process also shows stream health in the API and metrics,
 * and a recording gap with its cause when the DVR dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathFor } from '../../src/store/lockfile.ts';
import { openStore } from '../../src/store/open.ts';
import { createRepositories, type SegmentRow } from '../../src/store/repositories/index.ts';
import { spawnDvrSim, type DvrSimProcess } from '../../src/dvr-sim/process.ts';
import { freePort } from '../fixtures/free-port.ts';
import { until } from '../fixtures/until.ts';
import { adminFromSetupCode, type AuthHeaders } from '../fixtures/api-auth.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping crash test: ffmpeg/ffprobe not found');

const PASSWORD = 'Crash-Secret-3';
const REPO = path.resolve(import.meta.dirname, '../..');
const CAMERAS = ['cam_a', 'cam_b'];

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `cam/YYYYMMDD/x.ts` of every segment file on disk, with its size. */
function segmentFiles(recordings: string): Map<string, number> {
  const out = spawnSync('find', [recordings, '-name', '*.ts', '-type', 'f']).stdout.toString().trim();
  // a file may go between find and stat: the restarted process deletes the empty segment ffmpeg opened as it was killed
  const sized = (out ? out.split('\n') : []).map((f) => [path.relative(recordings, f), statSync(f, { throwIfNoEntry: false })?.size] as const);
  return new Map(sized.filter((e): e is [string, number] => e[1] !== undefined));
}

function ffprobe(file: string): { ok: boolean; codec?: string; packets?: number; err: string } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_name,nb_read_packets', '-of', 'json', file]);
  if (r.status !== 0) return { ok: false, err: r.stderr.toString() };
  const s = (JSON.parse(r.stdout.toString()) as { streams: Array<{ codec_name: string; nb_read_packets: string }> }).streams[0];
  return { ok: Boolean(s), codec: s?.codec_name, packets: Number(s?.nb_read_packets ?? 0), err: r.stderr.toString() };
}

describe.skipIf(!hasFfmpeg)('crash safety (SIGKILL of the process group)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-crash-'));
  const recordings = path.join(dir, 'recordings');
  const dbDir = path.join(dir, 'db');
  const config = path.join(dir, 'vigil.yaml');
  let sim: DvrSimProcess;
  let apiPort = 0;
  const children: ChildProcess[] = [];
  let runs = 0;

  /** Starts `vigil run` in its own process group (so ffmpeg children die with it); output to run-N.log. */
  function startVigil(): { child: ChildProcess; logFile: string } {
    const logFile = path.join(dir, `run-${++runs}.log`);
    const out = openSync(logFile, 'w');
    const child = spawn(process.execPath, ['bin/vigil.js', 'run', '--config', config, '--roles', 'edge,api'], {
      cwd: REPO, detached: true, stdio: ['ignore', out, out], env: { ...process.env, VIGIL_DVR_SIM_PASSWORD: PASSWORD },
    });
    closeSync(out);
    children.push(child);
    return { child, logFile };
  }
  /** the first admin, created with the setup code the restarted Vigil prints */
  let admin: AuthHeaders | undefined;
  const api = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${apiPort}${p}`, { headers: admin }).catch(() => null);
    return r && r.ok ? r.text() : undefined;
  };
  const perCamera = (files: Map<string, number>, cam: string) => [...files.keys()].filter((f) => f.startsWith(`${cam}/`)).sort();

  beforeAll(async () => {
    sim = await spawnDvrSim({ channels: 2, password: PASSWORD });
    apiPort = await freePort();
    writeFileSync(config, [
      'sites:',
      '  - id: site',
      `    dvrs: [{ id: sim, host: 127.0.0.1, port: ${sim.port} }]`,
      '    cameras:',
      ...CAMERAS.map((id, i) => `      - { id: ${id}, dvr: sim, channel: ${i + 1} }`),
      `storage: { data_dir: ${JSON.stringify(dir)} }`,
      'recording: { segment_seconds: 2 }',
      'stream: { stall_seconds: 6, backoff_max_ms: 2000 }',
      `api: { port: ${apiPort} }`,
      'log: { level: info }',
    ].join('\n'));
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.pid && groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL');
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let killedPid = 0;
  let atKill = new Map<string, number>();

  it('leaves every segment readable when killed at a random moment', async () => {
    const { child } = startVigil();
    killedPid = child.pid!;
    // at least two closed segments per camera (a third file is open)
    await until('recorded segments', 45_000, () => (CAMERAS.every((c) => perCamera(segmentFiles(recordings), c).length >= 3) ? true : undefined));
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
    process.kill(-killedPid, 'SIGKILL');
    await until('the process group to die', 10_000, () => (groupAlive(killedPid) ? undefined : true), 100);
    expect(spawnSync('pgrep', ['-f', `${sim.port}/user=`]).stdout.toString().trim()).toBe('');

    atKill = segmentFiles(recordings);
    for (const [rel, size] of atKill) {
      if (size === 0) continue; // opened by ffmpeg an instant before the kill: reconcile deletes it
      const p = ffprobe(path.join(recordings, rel));
      expect(p, `${rel} (${size} bytes): ${p.err}`).toMatchObject({ ok: true, codec: 'h264' });
      expect(p.packets, rel).toBeGreaterThan(0);
    }
    // the dead process's database lock is still there, naming it
    expect(readFileSync(lockPathFor(dbDir), 'utf8').trim()).toBe(String(killedPid));
  }, 90_000);

  let vanished = '';
  let orphan = '';

  it('restarts on the same data dir: stale lock taken over, recording resumes, stream health in API and metrics', async () => {
    // while it is down a segment file is lost and a file nobody indexed appears
    const a = perCamera(atKill, 'cam_a');
    vanished = a[0]!;
    unlinkSync(path.join(recordings, vanished));
    orphan = path.join(path.dirname(a[1]!), '000000_424242.ts');
    copyFileSync(path.join(recordings, a[1]!), path.join(recordings, orphan));

    const restartedAt = Date.now();
    const { child, logFile } = startVigil();
    await until('the API', 60_000, () => api('/health/live'));
    admin = await adminFromSetupCode(`http://127.0.0.1:${apiPort}`, () => readFileSync(logFile, 'utf8'));
    expect(readFileSync(logFile, 'utf8')).toMatch(/taking over stale database lock/);
    expect(readFileSync(lockPathFor(dbDir), 'utf8').trim()).toBe(String(child.pid));

    // recording resumes: new files for both cameras, started after the restart
    await until('new segments', 30_000, () => {
      const fresh = [...segmentFiles(recordings).keys()].filter((f) => !atKill.has(f) && f !== orphan && statSync(path.join(recordings, f)).mtimeMs > restartedAt);
      return CAMERAS.every((c) => fresh.filter((f) => f.startsWith(`${c}/`)).length >= 2) ? true : undefined;
    });

    const cam = JSON.parse((await until('camera details', 10_000, () => api('/api/v1/cameras/cam_a')))!) as {
      connected: boolean; last_frame_at: string | null; health: Record<string, unknown>; recording: Record<string, unknown>;
    };
    expect(cam.connected).toBe(true);
    expect(Date.parse(cam.last_frame_at!)).toBeGreaterThan(restartedAt);
    expect(cam.health).toMatchObject({ reconnects: 0, current_backoff_ms: 0, last_error: null });
    expect(cam.health.analysis_fps).toBeGreaterThan(0);
    expect(cam.health.source_fps).toBe(25);
    expect(cam.health.bitrate_kbps).toBeGreaterThan(0);
    expect(cam.recording).toMatchObject({ state: 'recording', open_gap: null });

    const metrics = (await api('/metrics'))!;
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('stream_active\\{camera_id="cam_b"\\}')).toBe(1);
    expect(value('stream_fps\\{camera_id="cam_a"\\}')).toBeGreaterThan(0);
    expect(value('stream_bitrate\\{camera_id="cam_a"\\}')).toBeGreaterThan(0);
    expect(value('stream_reconnect_total\\{camera_id="cam_a"\\}')).toBe(0);
    expect(value('edge_disk_free_bytes')).toBeGreaterThan(0);
    expect(metrics).toMatch(/# TYPE stream_latency_seconds histogram/);

    // the DVR dies: the gap and its cause show in the camera's recording state
    sim.signal('SIGKILL');
    const gap = await until('an open recording gap', 20_000, async () => {
      const c = JSON.parse((await api('/api/v1/cameras/cam_a')) ?? '{}') as { recording?: { open_gap: { since: string; cause: string } | null } };
      return c.recording?.open_gap ?? undefined;
    });
    expect(gap.cause).toMatch(/cam_a/);
    expect(gap.cause).not.toContain(PASSWORD);

    process.kill(child.pid!, 'SIGTERM');
    const code = await until('a clean stop', 20_000, () => child.exitCode ?? undefined, 100);
    expect(code).toBe(0);
  }, 120_000);

  it('leaves an index consistent with the files', async () => {
    const store = await openStore({ kind: 'pglite' }, dbDir);
    try {
      const repos = createRepositories(store);
      const files = segmentFiles(recordings);
      for (const cam of CAMERAS) {
        const rows = await repos.segments.list(cam, new Date(0), new Date('9999-01-01T00:00:00Z'));
        const byPath = new Map<string, SegmentRow>(rows.map((r) => [r.path, r]));
        for (const f of perCamera(files, cam)) {
          expect(byPath.get(f), `${f} is indexed`).toMatchObject({ status: 'closed', bytes: files.get(f) });
          expect(files.get(f)! % 188, `${f} ends on a whole MPEG-TS packet`).toBe(0);
        }
        expect(rows.filter((r) => r.status === 'open')).toEqual([]);
        expect(rows.filter((r) => r.status === 'closed' && !files.has(r.path))).toEqual([]);
        const gaps = await repos.segments.gaps(cam, new Date(0), new Date('9999-01-01T00:00:00Z'));
        expect(gaps.map((g) => g.cause)).toContain('recorder not running (Vigil stopped or crashed)');
      }
      const rows = await repos.segments.list('cam_a', new Date(0), new Date('9999-01-01T00:00:00Z'));
      expect(rows.find((r) => r.path === vanished)?.status).toBe('missing');
      expect(rows.find((r) => r.path === orphan)?.status).toBe('closed');
      expect(existsSync(path.join(recordings, vanished))).toBe(false);
    } finally {
      await store.close();
    }
  }, 60_000);
});
