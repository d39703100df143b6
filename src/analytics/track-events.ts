import type { DetectionMessage } from '../core/types.ts';
import { metrics } from '../core/metrics.ts';
import type { EventRepo } from '../store/repositories/types.ts';

/** Natural keys shared by the inference role (which writes the snapshot) and the event writer. */
export const trackEventKey = (cameraId: string, trackId: number): string => `${cameraId}:${trackId}`;
export const trackSnapshotKey = (cameraId: string, trackId: number): string => `${cameraId}/tracks/${trackId}.jpg`;

const SEEN_LIMIT = 10_000;

/**
 * Turns tracked detections into event rows: one event per track, extended while the track
 * lives. Upserts by track key, so a replayed ai.detections record never duplicates an event.
 */
export class TrackEventWriter {
  private readonly seen = new Set<string>();

  constructor(private readonly events: EventRepo) {}

  async handle(msg: DetectionMessage): Promise<number> {
    const at = new Date(msg.timestamp);
    let written = 0;
    for (const d of msg.detections) {
      if (d.track_id === undefined) continue;
      const eventKey = trackEventKey(msg.camera_id, d.track_id);
      await this.events.upsert({
        eventKey, cameraId: msg.camera_id, eventType: 'detection', label: d.class, confidence: d.confidence, bbox: d.bbox,
        snapshotPath: trackSnapshotKey(msg.camera_id, d.track_id), startTime: at, endTime: at,
        metadata: { track_id: d.track_id, model: msg.model, frame_seq: msg.frame_seq }, late: msg.late ?? false,
      });
      written++;
      if (!this.seen.has(eventKey)) {
        this.remember(eventKey);
        metrics.events.inc({ type: d.class, severity: 'info' });
      }
    }
    return written;
  }

  private remember(key: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
  }
}
