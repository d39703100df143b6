import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { configSchema } from '../src/config/schema.ts';
import { JpegStreamParser } from '../src/media/mjpeg-splitter.ts';
import { loadCenternet } from '../src/vision/detectors/centernet.ts';
import { FacePipeline } from '../src/vision/faces/pipeline.ts';
import { NoFaceError } from '../src/vision/faces/types.ts';
import { percentile } from './detector.ts';

export interface FacesBench {
  embedder: string;
  dim: number;
  /** person boxes tried (centernet persons of the sampled frames) */
  persons: number;
  /** share of person crops in which a face was found */
  face_found_share: number;
  /** crop + upscale + faceboxes + quality + descriptor, per person, in one thread */
  per_person_p50_ms: number;
  per_person_p99_ms: number;
  /** a portrait photo (search upload): detection on the whole photo + descriptor */
  photo_p50_ms?: number;
}

/** Frames `every`-th of a video, decoded at its resolution, as JPEG. */
function videoFrames(video: string, every: number, count: number): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', video, '-vf', `select=not(mod(n\\,${every}))`, '-fps_mode', 'passthrough', '-frames:v', String(count), '-c:v', 'mjpeg', '-q:v', '2', '-f', 'image2pipe', 'pipe:1'], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cannot extract frames from ${video}: ${r.stderr?.toString().trim()}`);
  return new JpegStreamParser().push(r.stdout);
}

/** Face pipeline cost per person on real overview footage (vtest) and per uploaded photo. */
export async function benchFaces(opts: { video: string; frames?: number; photo?: string }): Promise<FacesBench> {
  const config = configSchema.parse({});
  const frames = videoFrames(opts.video, 40, opts.frames ?? 12);
  const detector = await loadCenternet({ ...config.detection, classes: ['person'], default_threshold: 0.5 });
  const pipeline = await FacePipeline.load({ embedder: config.faces.embedder, minDetScore: config.faces.min_detection_score, cropWidth: config.faces.crop_width });
  const perPerson: number[] = [];
  let found = 0;
  try {
    for (const jpeg of frames) {
      for (const person of (await detector.detect(jpeg)).detections) {
        const started = performance.now();
        try {
          await pipeline.embedFaceInCrop(jpeg, person.bbox);
          found++;
        } catch (err) {
          if (!(err instanceof NoFaceError)) throw err;
        }
        perPerson.push(performance.now() - started);
      }
    }
    const photoMs: number[] = [];
    if (opts.photo) {
      const photo = await readFile(opts.photo);
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await pipeline.embedImage(photo);
        photoMs.push(performance.now() - started);
      }
    }
    perPerson.sort((a, b) => a - b);
    photoMs.sort((a, b) => a - b);
    return {
      embedder: pipeline.model, dim: pipeline.dim, persons: perPerson.length,
      face_found_share: perPerson.length ? Math.round((100 * found) / perPerson.length) / 100 : 0,
      per_person_p50_ms: Math.round(percentile(perPerson, 50)), per_person_p99_ms: Math.round(percentile(perPerson, 99)),
      ...(photoMs.length ? { photo_p50_ms: Math.round(percentile(photoMs, 50)) } : {}),
    };
  } finally {
    detector.dispose();
    pipeline.dispose();
  }
}
