import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { Detection } from '../core/types.ts';
import type { Objects } from '../objects/port.ts';

/** The `training` section plus the lower end of the uncertain range (detection.uncertain_min). */
export type TrainingConfig = Config['training'] & { min_confidence: number };

/** One analysed frame offered for training data. */
export interface AnalysedFrame {
  cameraId: string;
  timestamp: Date;
  seq: number;
  jpeg: Buffer;
  width: number;
  height: number;
  model: string;
  /** everything the detector reported for the frame, below and above the class thresholds */
  detections: readonly Detection[];
}

const HOUR_MS = 3_600_000;

/** `auto/{camera}/{YYYY-MM-DD}/{YYYYMMDDTHHMMSSmmmZ}-{seq}` (UTC), without extension. */
export function trainingKey(cameraId: string, timestamp: Date, seq: number): string {
  const iso = timestamp.toISOString();
  return `auto/${cameraId}/${iso.slice(0, 10)}/${iso.replace(/[-:.]/g, '')}-${seq}`;
}

/**
 * Seed §5.5 source 1: frames where the detector was unsure (a detection scored in
 * [min_confidence, max_confidence)) go to `training-data/auto/` as the JPEG plus the inference
 * JSON, flagged for review. Rate-limited per camera (one per min_interval_seconds, max_per_hour)
 * so a flickering false positive cannot fill the bucket; a failing object store is logged and
 * counted, never thrown: inference goes on.
 */
export class TrainingCapture {
  private readonly saved = new Map<string, number[]>();

  constructor(
    private readonly objects: Objects,
    private readonly config: TrainingConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  isUncertain(d: Detection): boolean {
    return d.confidence >= this.config.min_confidence && d.confidence < this.config.max_confidence;
  }

  /** Saves the frame when it is uncertain and the camera's budget allows; true when saved. */
  async offer(frame: AnalysedFrame): Promise<boolean> {
    if (!this.config.auto_capture || !frame.detections.some((d) => this.isUncertain(d))) return false;
    if (!this.take(frame.cameraId)) return false;
    const key = trainingKey(frame.cameraId, frame.timestamp, frame.seq);
    const inference = {
      flag: 'uncertain',
      camera_id: frame.cameraId,
      timestamp: frame.timestamp.toISOString(),
      frame_seq: frame.seq,
      model: frame.model,
      width: frame.width,
      height: frame.height,
      uncertain_range: [this.config.min_confidence, this.config.max_confidence],
      image: `${key}.jpg`,
      detections: frame.detections.map((d) => ({ ...d, uncertain: this.isUncertain(d) })),
    };
    try {
      // the image first: a JSON in the bucket always has its frame
      await this.objects.put('training-data', `${key}.jpg`, frame.jpeg, 'image/jpeg');
      await this.objects.put('training-data', `${key}.json`, Buffer.from(JSON.stringify(inference, null, 2)), 'application/json');
    } catch (err) {
      metrics.trainingFrames.inc({ camera_id: frame.cameraId, outcome: 'failed' });
      this.log.warn({ camera_id: frame.cameraId, key, cause: err instanceof Error ? err.message : String(err) }, 'uncertain frame not saved to training data');
      return false;
    }
    metrics.trainingFrames.inc({ camera_id: frame.cameraId, outcome: 'saved' });
    return true;
  }

  /** Takes one slot of the camera's budget (also for a save that then fails: a broken store is not hammered). */
  private take(cameraId: string): boolean {
    const now = this.now();
    const recent = (this.saved.get(cameraId) ?? []).filter((t) => now - t < HOUR_MS);
    const last = recent.at(-1);
    if (recent.length >= this.config.max_per_hour || (last !== undefined && now - last < this.config.min_interval_seconds * 1000)) {
      this.saved.set(cameraId, recent);
      return false;
    }
    recent.push(now);
    this.saved.set(cameraId, recent);
    return true;
  }
}
