/**
 * The demo clip: PETS09 `vtest.avi` (from Debian's opencv-doc) or a synthetic pattern, pre-encoded
 * ONCE into the raw H.264 streams a CP PLUS DVR would send, so serving them is a byte copy.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rootLogger, type Logger } from '../core/log.ts';

export interface Sample {
  /** Annex-B H.264, 960x1080 25 fps, GOP 25 (the DVR main stream) */
  main: string;
  /** Annex-B H.264, 480x270 25 fps, GOP 25 (the DVR sub stream) */
  sub: string;
  source: 'vtest' | 'synthetic';
}

export const DEFAULT_SAMPLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../.cache/samples');
const VTEST_IN_OPENCV_DOC = 'usr/share/doc/opencv-doc/examples/data/vtest.avi';
const SYNTHETIC_SECONDS = 30;
export const STREAMS = { main: { width: 960, height: 1080, maxrate: '2500k' }, sub: { width: 480, height: 270, maxrate: '400k' } } as const;

/** vtest.avi (PETS09 S2L1 view 001) is 768x576; the sample scales it to each stream's size. */
const VTEST_SIZE = { width: 768, height: 576 } as const;
/** The paved plaza people walk across, in vtest pixels (below the road at the top, down to the bottom edge where people walk in). */
const VTEST_PLAZA: ReadonlyArray<[number, number]> = [[30, 150], [740, 150], [740, 576], [30, 576]];

/** The sample's plaza as a zone polygon in the pixels of frames of the given size (demo rules, tests). */
export function samplePlazaPolygon(frameWidth: number, frameHeight: number): Array<[number, number]> {
  const sx = frameWidth / VTEST_SIZE.width;
  const sy = frameHeight / VTEST_SIZE.height;
  return VTEST_PLAZA.map(([x, y]) => [Math.round(x * sx), Math.round(y * sy)]);
}
const ENCODE_LOCK_STALE_MS = 5 * 60_000;

export interface EnsureSampleOptions {
  /** false: never run apt-get (tests stay off the network); a missing vtest.avi means the synthetic clip */
  download?: boolean;
}

export async function ensureSample(cacheDir = DEFAULT_SAMPLE_DIR, log: Logger = rootLogger.child({ component: 'sample' }), opts: EnsureSampleOptions = {}): Promise<Sample> {
  await mkdir(cacheDir, { recursive: true });
  const vtest = join(cacheDir, 'vtest.avi');
  if (!(await exists(vtest)) && opts.download !== false) await fetchVtest(vtest, log);
  const source = (await exists(vtest)) ? 'vtest' : 'synthetic';
  const sample: Sample = { main: join(cacheDir, `${source}-main.h264`), sub: join(cacheDir, `${source}-sub.h264`), source };
  const sourceMtime = source === 'vtest' ? (await stat(vtest)).mtimeMs : 0;
  const fresh = async (): Promise<boolean> => (await newerThan(sample.main, sourceMtime)) && (await newerThan(sample.sub, sourceMtime));
  if (await fresh()) return sample;
  await withEncodeLock(cacheDir, fresh, async () => {
    log.info({ source }, 'encoding the DVR sample streams (once)');
    await encode(source === 'vtest' ? ['-i', vtest] : ['-f', 'lavfi', '-i', `testsrc2=size=960x1080:rate=25:duration=${SYNTHETIC_SECONDS}`], sample);
  });
  return sample;
}

/** `npm run fetch-sample`: downloads and encodes the sample, prints where it is. */
export async function runFetchSample(cacheDir = DEFAULT_SAMPLE_DIR): Promise<Sample> {
  const log = rootLogger.child({ component: 'fetch-sample' });
  const sample = await ensureSample(cacheDir, log);
  log.info(sample, sample.source === 'vtest' ? 'sample ready' : 'vtest.avi unavailable (needs apt-get + opencv-doc); using a synthetic clip');
  return sample;
}

/** Fails soft: without apt-get or the package, the caller falls back to a synthetic clip. */
async function fetchVtest(target: string, log: Logger): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'vigil-opencv-doc-'));
  try {
    await run('apt-get', ['download', 'opencv-doc'], work);
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    await run('dpkg', ['-x', deb, 'x'], work);
    const partial = `${target}.part-${process.pid}`;
    await copyFile(join(work, 'x', VTEST_IN_OPENCV_DOC), partial);
    await rename(partial, target);
    log.info({ target }, 'fetched vtest.avi from opencv-doc');
  } catch (err) {
    log.warn({ err }, 'could not fetch vtest.avi from opencv-doc');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Encodes `input` (ffmpeg input arguments) into the main and sub streams of `sample`. */
export async function encode(input: string[], sample: Pick<Sample, 'main' | 'sub'>): Promise<void> {
  const partial = (path: string): string => `${path}.part-${process.pid}`;
  const x264 = (maxrate: string): string[] => [
    '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-bf', '0', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-crf', '23', '-maxrate', maxrate, '-bufsize', maxrate, '-f', 'h264',
  ];
  const { main, sub } = STREAMS;
  // one decode, two encodes: fps first so both streams have identical frame counts and GOP positions
  const graph = `[0:v]fps=25,split=2[a][b];[a]scale=${main.width}:${main.height},setsar=1[main];[b]scale=${sub.width}:${sub.height},setsar=1[sub]`;
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...input, '-filter_complex', graph,
    '-map', '[main]', ...x264(main.maxrate), partial(sample.main),
    '-map', '[sub]', ...x264(sub.maxrate), partial(sample.sub),
  ]);
  // sub first: `fresh` checks both, and main is the one everybody looks at
  await rename(partial(sample.sub), sample.sub);
  await rename(partial(sample.main), sample.main);
}

/** Several processes (tests, the demo) may ask at once: one encodes, the others wait for its result. */
async function withEncodeLock(dir: string, fresh: () => Promise<boolean>, body: () => Promise<void>): Promise<void> {
  const lock = join(dir, '.encode.lock');
  for (let attempt = 0; attempt < ENCODE_LOCK_STALE_MS / 500 + 2; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      try {
        if (!(await fresh())) await body();
      } finally {
        await rm(lock, { force: true });
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await fresh()) return;
      const age = Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now());
      if (age > ENCODE_LOCK_STALE_MS) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`timed out waiting for another process to encode the sample (${lock})`);
}

function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('error', (err) => reject(new Error(`${cmd} could not start: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`))));
  });
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function newerThan(path: string, mtimeMs: number): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  return s !== null && s.size > 0 && s.mtimeMs > mtimeMs;
}
