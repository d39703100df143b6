import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { configSchema } from '../config/schema.ts';
import { parseCommand, type CommandSpec } from '../core/cli-args.ts';
import { assertFfmpeg } from '../core/system-deps.ts';
import { spawnDvrSim } from '../dvr-sim/process.ts';
import { DEFAULT_SAMPLE_DIR, ensureSample } from '../dvr-sim/sample.ts';
import { JpegStreamParser } from '../media/mjpeg-splitter.ts';

/** Frames of the sample clip at the DVR's resolution, as the camera workers deliver them. */
function sampleFrames(h264: string, count: number): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', h264, '-vf', 'fps=1', '-frames:v', String(count), '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cannot extract frames from ${h264}: ${r.stderr?.toString().trim()}`);
  return new JpegStreamParser().push(r.stdout);
}

const list = (s: string) => s.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

export const spec = {
  name: 'bench',
  summary: 'Measure performance (camera workers, detector, capacity, latency, ...); prints JSON.',
  notes: 'JSON on stdout; progress and logs on stderr.',
  options: {
    only: { type: 'string', value: 'LIST', description: 'comma-separated parts to run (default all): workers, keyframes, detector, onnx, archive, motion, capacity, faces, face-search, latency, alert-latency, rules, dry-run, login, recovery, video; soak, triton, footprint (the video bench\'s one-box memory alone) and video-latency (its live latency alone) run only when named' },
    'recovery-outages': { type: 'string', default: '3,10,120', value: 'LIST', description: 'recovery: DVR outage lengths in seconds' },
    'recovery-kills': { type: 'string', default: '3', value: 'N', description: 'recovery: kills per outage length' },
    'soak-seconds': { type: 'string', default: '600', value: 'N', description: 'soak (only with --only soak): how long the demo runs' },
    'soak-budget-mb': { type: 'string', default: '250', value: 'N', description: 'soak: the storage budget of its data dir' },
    seconds: { type: 'string', default: '20', value: 'N', description: 'seconds per measurement' },
    channels: { type: 'string', default: '1,8,16', value: 'LIST', description: 'camera counts for workers' },
    'video-channels': { type: 'string', default: '8', value: 'N', description: 'video: simulator channels of every server (Vigil, MediaMTX, go2rtc)' },
    'video-seconds': { type: 'string', default: '30', value: 'N', description: 'video: CPU measurement window; the one box also runs this long before its memory is read' },
    'footprint-parts': { type: 'string', default: 'one_detector_worker,no_faces,no_detection,no_cameras', value: 'LIST', description: 'footprint: the runs without a part after the full one box (\'none\' for the full one box only)' },
    'detector-workers': { type: 'string', default: '1,2', value: 'LIST', description: 'detector pools: WORKERS or WORKERSxTHREADS (onnxruntime intra-op threads per worker), e.g. 1x2,2' },
    'latency-channels': { type: 'string', default: '1', value: 'N', description: 'video-latency: simulator channels, a camera each, of every server (the one watched is channel 1; the others load it)' },
    'latency-ingest': { type: 'string', value: 'native|ffmpeg', description: 'video-latency: Vigil\'s stream.ingest (default: the configuration default)' },
    'motion-fps': { type: 'string', default: '1', value: 'N', description: 'frames per second analysed by motion' },
    'capacity-vtest': { type: 'string', default: '4,8,12,16,24,32', value: 'LIST', description: 'camera counts for capacity on the vtest clip' },
    'capacity-config': { type: 'string', value: 'FILE', description: 'capacity: the configuration whose detection, motion and tracking sections the cameras use (default: the defaults)' },
    'capacity-video': { type: 'string', value: 'FILE', description: 'capacity: the busy cameras\' clip (default: the vtest sample), e.g. vtest scaled to 1080p' },
    'capacity-mixed': { type: 'string', default: '8,16,24,32,48', value: 'LIST', description: 'camera counts for capacity on a mix of busy and quiet cameras' },
    'triton-batches': { type: 'string', default: '1,2,4,8', value: 'LIST', description: 'triton: detection.batch_size values' },
    'triton-windows': { type: 'string', default: '0,200', value: 'LIST', description: 'triton: detection.batch_window_ms values' },
    'triton-cameras': { type: 'string', default: '16,32', value: 'LIST', description: 'triton: busy 1-fps camera counts (vtest)' },
    'face-sizes': { type: 'string', default: '10000,100000', value: 'LIST', description: 'face search: numbers of stored embeddings' },
    'face-ef': { type: 'string', default: '40,100,200,400', value: 'LIST', description: 'face search: HNSW ef_search values' },
  },
} as const satisfies CommandSpec;

/** `vigil bench`: JSON on stdout; progress on stderr. Each part loads its own code, so `--only rules` loads no model. */
export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { values } = args;
  assertFfmpeg();
  const seconds = Number(values.seconds);
  const channels = list(values.channels!);
  const only = values.only?.split(',');
  const want = (part: string) => !only || only.includes(part);
  const sample = await ensureSample();
  const result: Record<string, unknown> = { machine: { cores: (await import('node:os')).availableParallelism(), node: process.version }, sample: sample.source, seconds_per_measurement: seconds };

  if (want('workers') || want('keyframes')) {
    const sim = await spawnDvrSim({ channels: Math.max(...channels, 1) });
    try {
      if (want('workers')) {
        console.error(`camera workers vs ffmpeg alone: ${channels.join(', ')} channels, ${seconds} s each`);
        result.camera_workers = await (await import('../../bench/camera-workers.ts')).benchCameraWorkers(sim, channels, seconds);
      }
      if (want('keyframes')) {
        console.error('keyframe-only vs full decode');
        result.keyframe_vs_full_decode = await (await import('../../bench/camera-workers.ts')).benchKeyframeDecode(sim, 1, seconds);
      }
    } finally {
      await sim.stop();
    }
  }
  if (want('detector')) {
    console.error('detector pool');
    const detectorBench = await import('../../bench/detector.ts');
    result.detector = await detectorBench.benchDetector({ frames: sampleFrames(sample.main, 20), iterations: 60, pools: values['detector-workers']!.split(',').map(detectorBench.parsePoolShape) });
  }
  if (want('onnx')) {
    console.error('onnxruntime CPU: batch 1 vs 2 vs 4');
    result.onnx = await (await import('../../bench/onnx.ts')).benchOnnx();
  }
  if (want('archive')) {
    console.error('archive sync throughput');
    result.archive_sync = await (await import('../../bench/archive-sync.ts')).benchArchiveSync({ segments: 200, segmentBytes: 1_250_000 });
  }
  if (want('motion')) {
    if (sample.source === 'vtest') result.motion = await (await import('../../bench/motion.ts')).benchMotion({ video: `${DEFAULT_SAMPLE_DIR}/vtest.avi`, fps: Number(values['motion-fps']), staticSeconds: 60 });
    else console.error('skipping motion: the vtest sample clip not found');
  }
  if (want('capacity')) {
    if (sample.source === 'vtest') {
      const configFile = values['capacity-config'];
      const config = configFile ? (await import('../config/load.ts')).loadConfigFile(configFile).config : undefined;
      result.capacity = await (await import('../../bench/capacity.ts')).benchCapacity({ video: values['capacity-video'] ?? `${DEFAULT_SAMPLE_DIR}/vtest.avi`, config, cameras: { vtest: list(values['capacity-vtest']!), mixed: list(values['capacity-mixed']!) }, warmupSeconds: 5, measureSeconds: seconds });
    } else console.error('skipping capacity: the vtest sample clip not found');
  }
  if (want('faces')) {
    if (sample.source === 'vtest') {
      console.error('face pipeline per person on vtest person crops');
      const photo = '.cache/faces/images/obama2.jpg';
      result.faces = await (await import('../../bench/faces.ts')).benchFaces({ video: `${DEFAULT_SAMPLE_DIR}/vtest.avi`, photo: existsSync(photo) ? photo : undefined });
    } else console.error('skipping faces: the vtest sample clip not found');
  }
  if (want('face-search')) {
    const { dim } = configSchema.parse({}).faces;
    console.error(`face search on PGlite: ${values['face-sizes']} embeddings of ${dim} dimensions`);
    result.face_search = await (await import('../../bench/face-search.ts')).benchFaceSearch({ dim, sizes: list(values['face-sizes']!), sightingsPerIdentity: 10, latencyQueries: 200, recallQueries: 100, insertRows: 300, efSearch: list(values['face-ef']!) });
  }
  if (want('latency')) {
    console.error('live latency, glass to glass in Chromium: WebRTC and HLS');
    result.live_latency = await (await import('../../bench/webrtc-latency.ts')).benchLiveLatency();
  }
  if (only?.includes('footprint')) {
    console.error('footprint of the one box with analysis (the video bench\'s memory part)');
    const videoSeconds = Number(values['video-seconds']);
    const parts = values['footprint-parts'] === 'none' ? [] : values['footprint-parts']!.split(',');
    result.footprint = await (await import('../../bench/video.ts')).benchFootprint({ channels: Number(values['video-channels']), seconds: videoSeconds, footprintWarmupSeconds: videoSeconds, latencySamples: 0, latencySessions: 0, viewers: 0 }, parts);
  }
  if (want('video')) {
    console.error('video path side by side with MediaMTX and go2rtc (npm run bench:peers:install): ingest CPU, live latency, footprint');
    const videoSeconds = Number(values['video-seconds']);
    result.video = await (await import('../../bench/video.ts')).benchVideo({ channels: Number(values['video-channels']), seconds: videoSeconds, footprintWarmupSeconds: videoSeconds, latencySamples: 20, latencySessions: 4, viewers: 5 });
  }
  if (only?.includes('video-latency')) {
    console.error('live latency of the video path side by side with MediaMTX and go2rtc (npm run bench:peers:install)');
    const ingest = values['latency-ingest'];
    if (ingest !== undefined && ingest !== 'native' && ingest !== 'ffmpeg') throw new Error(`--latency-ingest: native or ffmpeg, not '${ingest}'`);
    result.video_latency = await (await import('../../bench/video.ts')).benchVideoLatency({ latencySamples: 40, latencySessions: 4, viewers: 5, channels: Number(values['latency-channels']), ingest });
  }
  if (want('alert-latency')) {
    console.error('alert latency: frame capture to WebSocket delivery, one-box shape');
    result.alert_latency = await (await import('../../bench/alert-latency.ts')).benchAlertLatency({ alerts: 30 });
  }
  if (want('login')) {
    console.error('sign-in: POST /api/v1/auth/login over loopback (argon2id)');
    result.login = await (await import('../../bench/login.ts')).benchLogin({ logins: 100, concurrent: 4 });
  }
  if (want('rules')) {
    console.error('rules engine: 50 zones, 20 tracks');
    result.rules = (await import('../../bench/rules.ts')).benchRules({ tracks: 20, frames: 5000 });
  }
  if (want('dry-run')) {
    console.error('rule dry run: a day of one camera at 1 fps');
    result.dry_run = await (await import('../../bench/dry-run.ts')).benchDryRun({ frames: 86_400 });
  }

  if (want('recovery')) {
    console.error(`recording recovery after DVR outages of ${values['recovery-outages']} s`);
    result.recovery = await (await import('../../bench/recovery.ts')).benchRecovery({ channels: 2, outagesSeconds: list(values['recovery-outages']!), killsPerOutage: Number(values['recovery-kills']) });
  }
  // only when asked for: the GPU path measured against a test server on this box's CPU, minutes per run
  if (only?.includes('triton')) {
    if (sample.source === 'vtest') {
      console.error('triton: batching across cameras against the KServe v2 test server');
      const windows = values['triton-windows']!.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0);
      result.triton = await (await import('../../bench/triton.ts')).benchTriton({ video: `${DEFAULT_SAMPLE_DIR}/vtest.avi`, batches: list(values['triton-batches']!), windowsMs: windows, cameras: list(values['triton-cameras']!), warmupSeconds: 5, measureSeconds: seconds });
    } else console.error('skipping triton: the vtest sample clip not found');
  }
  // only when asked for: it runs the whole demo for minutes
  if (only?.includes('soak')) {
    console.error('soak: the demo with a small storage budget');
    result.soak = await (await import('../../bench/soak.ts')).benchSoak({ seconds: Number(values['soak-seconds']), sampleSeconds: 15, budgetBytes: Number(values['soak-budget-mb']) * 1e6, sweepSeconds: 5 });
  }
  result.rss_mb = Math.round(process.memoryUsage().rss / 1e6);
  console.log(JSON.stringify(result, null, 2));
}
