import type { BBox, DetectionMessage } from '../../../core/types.ts';
import { ruleSetSchema, type RuleSet } from '../schema.ts';

/** A rule set from a plain (YAML-like) object, through the schema (defaults applied). */
export const ruleSet = (raw: unknown): RuleSet => ruleSetSchema.parse(raw);

/** A person (or object) box of 40x100 px whose feet are at (x, y). */
export const at = (x: number, y: number, w = 40, h = 100): BBox => [x - w / 2, y - h, x + w / 2, y];

export interface Obj { id: number; cls?: string; bbox: BBox; confidence?: number }

/** Frames of one camera at `fps` from `start`; frame(i, objects) builds the i-th message. */
export function stream(cameraId = 'cam', start = '2025-01-20T12:00:00Z', fps = 1) {
  const t0 = Date.parse(start);
  return (i: number, objects: readonly Obj[]): DetectionMessage => ({
    camera_id: cameraId, timestamp: new Date(t0 + (i * 1000) / fps).toISOString(), frame_seq: i, width: 960, height: 1080, model: 'test',
    detections: objects.map((o) => ({ class: o.cls ?? 'person', confidence: o.confidence ?? 0.9, bbox: o.bbox, track_id: o.id })),
  });
}
