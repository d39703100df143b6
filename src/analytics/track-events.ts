import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';
import type { BBox, Detection, DetectionMessage } from '../core/types.ts';
import type { Objects } from '../objects/port.ts';
import type { EventRepo } from '../store/repositories/types.ts';
import { iou } from '../core/geometry.ts';

/** Natural keys shared by the inference role (which writes the snapshots) and the event writers. */
export const trackEventKey = (cameraId: string, trackId: number): string => `${cameraId}:${trackId}`;
/** One analysed frame of a camera: capture time and seq (the seq alone restarts with the camera worker). */
const frameRef = (timestamp: string, seq: number): string => `${new Date(timestamp).getTime()}-${seq}`;
/**
 * A track's best view, one object per frame it was taken from: the event row switches to a new one
 * together with its box, so a reader never sees a new picture with the old box (or the reverse).
 */
export const trackSnapshotKey = (cameraId: string, trackId: number, timestamp: string, seq: number): string =>
  `${cameraId}/tracks/${trackId}/${frameRef(timestamp, seq)}.jpg`;
/** An analysed frame with detections, kept for evidence.trigger_frame_seconds for the rule that fires on it. */
export const triggerFrameKey = (cameraId: string, timestamp: string, seq: number): string => `${cameraId}/frames/${frameRef(timestamp, seq)}.jpg`;
export const triggerFramePrefix = (cameraId: string): string => `${cameraId}/frames/`;

const SEEN_LIMIT = 10_000;

export interface TrackEventOptions {
  /** a new track continues a recent track's event when its box overlaps that track's last box by this IoU */
  rejoinIou: number;
  /** how long after it was last seen a track's event can be continued (0: never) */
  rejoinSeconds: number;
  /** only a track that stayed in place this long before it was lost is continued */
  rejoinStillSeconds: number;
}

/** A track the writer has seen: the event it feeds, where it was last, and since when it has stayed there. */
interface SeenTrack {
  eventKey: string;
  cls: string;
  bbox: BBox;
  at: number;
  /** the box it has stayed at (overlapping by rejoinIou), since stillSince */
  anchor: BBox;
  stillSince: number;
  /** when a point of its path was last kept */
  pointAt: number;
}

/** A track's path keeps a point a second: enough to draw where it went, a small row for a long track. */
const TRACK_POINT_MS = 1000;

/** The event's current snapshot: replaced only by a later frame's (a redelivered older record does not undo it). */
interface EventView {
  path: string;
  at: number;
}

/**
 * Turns tracked detections into event rows: one event per object, extended while its track lives.
 * Upserts by event key, so a replayed ai.detections record never duplicates an event.
 *
 * Box and snapshot: an event's box is the one in its snapshot. The inference role names the tracks
 * whose snapshot a frame is (snapshot_tracks); only those frames change the event's box, together
 * with the snapshot, and the picture it replaces is deleted.
 *
 * Track restarts: a parked car or a person standing still loses its track whenever the detector
 * misses it for a while, and the new track would be a new event. A new track whose first box
 * overlaps the last box of a track of the same class that had stayed in place (rejoinStillSeconds),
 * seen within rejoinSeconds but not in this frame, continues that track's event instead (kept in
 * memory: after a restart of this role a restarted track starts a new event).
 */
export class TrackEventWriter {
  private readonly seen = new Set<string>();
  private readonly tracks = new Map<string, Map<number, SeenTrack>>();
  private readonly views = new Map<string, EventView>();

  constructor(
    private readonly events: EventRepo,
    private readonly objects: Pick<Objects, 'delete'>,
    private readonly opts: TrackEventOptions,
    private readonly log: Logger,
  ) {}

  async handle(msg: DetectionMessage): Promise<number> {
    const at = new Date(msg.timestamp);
    const tracks = this.camera(msg.camera_id, at.getTime());
    const inFrame = new Set(msg.detections.map((d) => d.track_id));
    const views = new Set(msg.snapshot_tracks ?? []);
    let written = 0;
    for (const d of msg.detections) {
      if (d.track_id === undefined) continue;
      const seen = tracks.get(d.track_id) ?? this.start(msg.camera_id, d, tracks, inFrame, at.getTime());
      const point = at.getTime() - seen.pointAt >= TRACK_POINT_MS;
      tracks.set(d.track_id, { ...this.moved(seen, d.bbox, at.getTime()), pointAt: point ? at.getTime() : seen.pointAt });
      const { eventKey } = seen;
      const view = views.has(d.track_id) ? this.newView(eventKey, trackSnapshotKey(msg.camera_id, d.track_id, msg.timestamp, msg.frame_seq), at.getTime()) : undefined;
      await this.events.upsert({
        eventKey, cameraId: msg.camera_id, eventType: 'detection', label: d.class, confidence: d.confidence,
        bbox: view ? d.bbox : null, snapshotPath: view?.path ?? null, newView: view !== undefined, startTime: at, endTime: at,
        metadata: { track_id: d.track_id, model: msg.model, frame_seq: msg.frame_seq }, late: msg.late ?? false,
        trackPoint: point ? [at.getTime(), Math.round((d.bbox[0] + d.bbox[2]) / 2), Math.round((d.bbox[1] + d.bbox[3]) / 2)] : undefined,
      });
      if (view) await this.replaced(msg.camera_id, eventKey, view);
      written++;
      if (!this.seen.has(eventKey)) {
        this.remember(eventKey);
        metrics.events.inc({ type: d.class, severity: 'info' });
      }
    }
    return written;
  }

  /** the camera's tracks, without those too old to be continued */
  private camera(cameraId: string, now: number): Map<number, SeenTrack> {
    let tracks = this.tracks.get(cameraId);
    if (!tracks) this.tracks.set(cameraId, (tracks = new Map()));
    // a live track is reported every analysed frame: one unseen this long has ended
    const horizon = Math.max(this.opts.rejoinSeconds, 60) * 1000;
    for (const [id, t] of tracks) if (now - t.at > horizon) tracks.delete(id);
    return tracks;
  }

  /**
   * A new track: it continues the event of the best-overlapping recent track that had stayed in
   * place (same class, not in this frame), and how long that one stood there; else it is its own.
   */
  private start(cameraId: string, d: Detection, tracks: Map<number, SeenTrack>, inFrame: Set<number | undefined>, now: number): SeenTrack {
    let best: { iou: number; t: SeenTrack; id: number } | undefined;
    for (const [id, t] of tracks) {
      if (inFrame.has(id) || t.cls !== d.class || now - t.at > this.opts.rejoinSeconds * 1000) continue;
      if (t.at - t.stillSince < this.opts.rejoinStillSeconds * 1000) continue;
      const overlap = iou(t.bbox, d.bbox);
      if (overlap >= this.opts.rejoinIou && (!best || overlap > best.iou)) best = { iou: overlap, t, id };
    }
    if (!best) return { eventKey: trackEventKey(cameraId, d.track_id!), cls: d.class, bbox: d.bbox, at: now, anchor: d.bbox, stillSince: now, pointAt: -Infinity };
    this.log.debug({ camera_id: cameraId, track_id: d.track_id, continues_track: best.id, iou: Number(best.iou.toFixed(2)) }, 'new track in the place of a still one: same event');
    return { ...best.t, at: now };
  }

  /** the track at `bbox` now: still while it overlaps the box it has stayed at */
  private moved(t: SeenTrack, bbox: BBox, now: number): SeenTrack {
    const still = iou(t.anchor, bbox) >= this.opts.rejoinIou;
    return { ...t, bbox, at: now, anchor: still ? t.anchor : bbox, stillSince: still ? t.stillSince : now };
  }

  /** the view to store, unless the event already shows a later frame */
  private newView(eventKey: string, path: string, at: number): EventView | undefined {
    const current = this.views.get(eventKey);
    return current && current.at >= at ? undefined : { path, at };
  }

  /** records the event's new snapshot and deletes the one it replaced */
  private async replaced(cameraId: string, eventKey: string, view: EventView): Promise<void> {
    const previous = this.views.get(eventKey);
    this.views.delete(eventKey);
    this.views.set(eventKey, view);
    if (this.views.size > SEEN_LIMIT) this.views.delete(this.views.keys().next().value!);
    if (!previous || previous.path === view.path) return;
    // no longer referenced by the event; one left behind is the storage retention's to delete
    await this.objects.delete('snapshots', previous.path)
      .catch((err: unknown) => this.log.warn({ camera_id: cameraId, key: previous.path, cause: (err as Error).message }, 'replaced snapshot not deleted'));
  }

  private remember(key: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
  }
}
