import type { RuleTrigger } from '../analytics/rules/types.ts';
import { triggerFrameKey } from '../analytics/track-events.ts';
import type { Logger } from '../core/log.ts';
import type { DetectionMessage } from '../core/types.ts';
import { NotFoundError, type Objects } from '../objects/port.ts';
import type { TriggerEvidence } from '../store/repositories/alerts.ts';
import { drawBoxes } from '../vision/draw-boxes.ts';

/** Where a trigger's snapshot is kept, for as long as its event (a stable name: a replay finds it). */
export const ruleSnapshotKey = (t: RuleTrigger): string => `${t.cameraId}/rules/${t.key.replace(/[^A-Za-z0-9._-]/g, '_')}.jpg`;
/** The same with the objects' boxes drawn: the alert's picture, as notifications attach it. */
export const ruleSnapshotWithBoxesKey = (t: RuleTrigger): string => ruleSnapshotKey(t).replace(/\.jpg$/, '.boxes.jpg');

/**
 * The evidence of a trigger: the frame it fired on (kept by the inference role for
 * evidence.trigger_frame_seconds, copied here so it outlives that), the boxes of its objects in
 * that frame, and the frame with those boxes drawn (what an alert's notifications show). A subject not in that frame (its track expired) has no box there; when none is, or
 * the frame is gone (the rules ran that far behind), the event gets no snapshot rather than one
 * that shows something else than its box.
 */
export class TriggerSnapshots {
  constructor(
    private readonly objects: Pick<Objects, 'get' | 'put' | 'head'>,
    private readonly log: Logger,
  ) {}

  async capture(t: RuleTrigger, frame: DetectionMessage): Promise<TriggerEvidence> {
    const subjects = new Set(t.trackIds);
    const boxes = frame.detections.flatMap((d) => (d.track_id !== undefined && subjects.has(d.track_id)
      ? [{ track_id: d.track_id, class: d.class, confidence: d.confidence, bbox: d.bbox }] : []));
    const none = { snapshotPath: null, drawnPath: null, boxes };
    if (boxes.length === 0) return none;
    const key = ruleSnapshotKey(t);
    const drawnKey = ruleSnapshotWithBoxesKey(t);
    // a retried trigger: its frame was copied the first time
    if (await this.objects.head('snapshots', key)) return { snapshotPath: key, drawnPath: (await this.objects.head('snapshots', drawnKey)) ? drawnKey : null, boxes };
    let jpeg: Buffer;
    try {
      jpeg = await this.objects.get('snapshots', triggerFrameKey(frame.camera_id, frame.timestamp, frame.frame_seq));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      this.log.warn({ camera_id: t.cameraId, rule: t.ruleId, frame_at: frame.timestamp },
        'rule event stored without a snapshot: the frame it fired on is no longer kept (rules ran more than evidence.trigger_frame_seconds behind)');
      return none;
    }
    await this.objects.put('snapshots', key, jpeg, 'image/jpeg');
    let drawnPath: string | null = drawnKey;
    try {
      await this.objects.put('snapshots', drawnKey, await drawBoxes(jpeg, boxes), 'image/jpeg');
    } catch (err) {
      // the alert then shows the frame as taken; the event's API snapshot draws its boxes on request
      this.log.warn({ camera_id: t.cameraId, rule: t.ruleId, cause: (err as Error).message }, 'boxes not drawn on an alert snapshot');
      drawnPath = null;
    }
    return { snapshotPath: key, drawnPath, boxes };
  }
}
