import type { Logger } from 'pino';
import type { BBox, Detection } from '../../core/types.ts';
import { trackEventKey } from '../../analytics/track-events.ts';
import { FaceModelsDownError } from './lazy-embedder.ts';
import { NoFaceError, type FaceEmbedder, type FaceResult } from './types.ts';

/** Where one face per track goes (the face store's recordTrackFace). */
export interface TrackFaceSink {
  recordTrackFace(f: { cameraId: string; trackId: number; eventKey: string; seenAt: Date; embedding: number[]; quality: number; bbox: BBox }): Promise<unknown>;
}

export interface FaceCollectorOptions {
  cameraId: string;
  embedder: Pick<FaceEmbedder, 'embedFaceInCrop'>;
  sink: TrackFaceSink;
  log: Logger;
  /** try a track's face at most every K analysed frames of it */
  everyFrames: number;
  /** face attempts per track before it stops being tried (budget) */
  maxAttempts: number;
  /** stop trying a track once its best face reaches this quality */
  goodQuality: number;
  /** faces below this quality are never stored */
  minQuality: number;
  /** face attempts allowed in flight for this camera; more are skipped (the detector path never waits) */
  maxInFlight: number;
}

interface TrackFaces {
  framesSinceTry: number;
  attempts: number;
  best?: FaceResult & { seenAt: Date };
  inFlight: Set<Promise<void>>;
}

/**
 * Keeps the best-quality face of each person track of one camera; when the track ends, stores
 * one embedding for it. No face image is kept (only the event snapshot exists, seed §9.1 layer 5).
 */
export class FaceTrackCollector {
  private readonly tracks = new Map<number, TrackFaces>();
  private inFlight = 0;
  /** counts of outcomes, for logs and tests */
  readonly stats = { attempts: 0, faces: 0, noFace: 0, errors: 0, skippedBusy: 0, stored: 0 };

  constructor(private readonly opts: FaceCollectorOptions) {}

  /** One analysed frame: person detections with a track_id may get a face attempt. Never waits. */
  offer(jpeg: Uint8Array, ts: Date, detections: readonly Detection[]): void {
    for (const d of detections) {
      if (d.class !== 'person' || d.track_id === undefined) continue;
      const t = this.track(d.track_id);
      t.framesSinceTry++;
      const due = t.attempts === 0 || t.framesSinceTry >= this.opts.everyFrames;
      const wanted = t.attempts < this.opts.maxAttempts && (t.best?.quality.score ?? 0) < this.opts.goodQuality;
      if (!due || !wanted) continue;
      if (this.inFlight >= this.opts.maxInFlight) {
        this.stats.skippedBusy++;
        continue;
      }
      t.framesSinceTry = 0;
      t.attempts++;
      this.attempt(d.track_id, t, jpeg, d.bbox, ts);
    }
  }

  private track(id: number): TrackFaces {
    let t = this.tracks.get(id);
    if (!t) this.tracks.set(id, (t = { framesSinceTry: 0, attempts: 0, inFlight: new Set() }));
    return t;
  }

  private attempt(trackId: number, t: TrackFaces, jpeg: Uint8Array, box: BBox, seenAt: Date): void {
    this.inFlight++;
    this.stats.attempts++;
    const p = this.opts.embedder.embedFaceInCrop(jpeg, box).then(
      (face) => {
        this.stats.faces++;
        if (face.quality.score > (t.best?.quality.score ?? -1)) t.best = { ...face, seenAt };
      },
      (err: Error) => {
        if (err instanceof NoFaceError) {
          this.stats.noFace++;
          return;
        }
        this.stats.errors++;
        // the face stage reports the models being down once, not once per attempt
        if (!(err instanceof FaceModelsDownError)) this.opts.log.warn({ camera_id: this.opts.cameraId, track_id: trackId, err: err.message }, 'face analysis failed');
      },
    ).finally(() => {
      this.inFlight--;
      t.inFlight.delete(p);
    });
    t.inFlight.add(p);
  }

  /** The track ended: waits for its attempts, stores its best face (if good enough) and forgets it. */
  async trackEnded(trackId: number): Promise<void> {
    const t = this.tracks.get(trackId);
    if (!t) return;
    this.tracks.delete(trackId);
    await Promise.all(t.inFlight);
    const best = t.best;
    if (!best || best.quality.score < this.opts.minQuality) return;
    try {
      await this.opts.sink.recordTrackFace({
        cameraId: this.opts.cameraId, trackId, eventKey: trackEventKey(this.opts.cameraId, trackId),
        seenAt: best.seenAt, embedding: best.embedding, quality: best.quality.score, bbox: best.box,
      });
      this.stats.stored++;
    } catch (err) {
      this.opts.log.warn({ camera_id: this.opts.cameraId, track_id: trackId, err: (err as Error).message }, 'storing track face failed');
    }
  }

  /** Ends every open track (camera stopped, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.tracks.keys()].map((id) => this.trackEnded(id)));
  }
}
