/**
 * The event use cases: query, details, snapshot and clip. Each checks the caller may see the
 * event's camera first; another camera's event is reported exactly like a missing one.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { callerSeesCamera, visibleCameras, type Caller } from '../core/actor.ts';
import { notFound } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { NoFootageError, type ClipMaterialiser } from '../media/clips/materialise.ts';
import { NotFoundError, type Objects } from '../objects/port.ts';
import type { EventRepo, EventRow } from '../store/repositories/types.ts';
import { drawBoxes, type LabelledBox } from '../vision/draw-boxes.ts';

export interface EventServiceDeps {
  events: EventRepo;
  objects: Objects;
  log: Logger;
  /** cuts clips from the recording on demand; without it only clips already cut are served */
  clips?: ClipMaterialiser;
}

export interface EventQuery {
  camera?: string;
  class?: string;
  from?: Date;
  to?: Date;
  late?: boolean;
  limit: number;
  cursor?: string;
}

const storedBoxes = z.array(z.object({ class: z.string(), confidence: z.number(), bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]) }));

/** The boxes to draw on an event's snapshot: a rule event's objects in the frame that fired, else the event's own box. */
function boxesOf(e: EventRow): LabelledBox[] {
  const stored = storedBoxes.safeParse(e.metadata.boxes);
  if (stored.success && stored.data.length) return stored.data;
  return e.bounding_box ? [{ bbox: e.bounding_box, class: e.label, confidence: e.confidence }] : [];
}

export function publicEvent(e: EventRow) {
  return {
    id: e.id,
    camera_id: e.camera_id,
    event_type: e.event_type,
    class: e.label,
    confidence: e.confidence,
    bbox: e.bounding_box,
    start_time: e.start_time,
    end_time: e.end_time,
    severity: e.severity,
    snapshot_url: e.snapshot_path ? `/api/v1/events/${e.id}/snapshot` : null,
    clip_url: e.clip_path ? `/api/v1/events/${e.id}/clip` : null,
    metadata: e.metadata,
    // found later from the recording (live analysis had skipped those frames); start_time is still the capture time
    late: e.late,
  };
}
export type PublicEvent = ReturnType<typeof publicEvent>;

export type EventService = ReturnType<typeof eventService>;

export function eventService(deps: EventServiceDeps) {
  const load = async (caller: Caller, id: number): Promise<EventRow> => {
    const e = await deps.events.get(id);
    if (!e || !callerSeesCamera(caller, e.camera_id)) throw notFound(`no event with id ${id}`);
    return e;
  };

  return {
    /** newest first; only the caller's cameras */
    async list(caller: Caller, q: EventQuery): Promise<{ items: PublicEvent[]; next_cursor: string | null }> {
      const cameraIds = visibleCameras(caller, q.camera);
      if (cameraIds?.length === 0) return { items: [], next_cursor: null };
      const page = await deps.events.list({ cameraIds, label: q.class, from: q.from, to: q.to, late: q.late, limit: q.limit, cursor: q.cursor });
      return { items: page.items.map(publicEvent), next_cursor: page.nextCursor };
    },

    get: async (caller: Caller, id: number): Promise<PublicEvent> => publicEvent(await load(caller, id)),

    /** the event's JPEG, with its objects' boxes drawn when asked */
    async snapshot(caller: Caller, id: number, withBoxes: boolean): Promise<Buffer> {
      const e = await load(caller, id);
      if (!e.snapshot_path) throw notFound(`event ${e.id} has no snapshot`);
      let jpeg: Buffer;
      try {
        jpeg = await deps.objects.get('snapshots', e.snapshot_path);
      } catch (err) {
        if (err instanceof NotFoundError) throw notFound(`snapshot of event ${e.id} is no longer stored`);
        throw err;
      }
      if (!withBoxes) return jpeg;
      // a picture that cannot be drawn on is still evidence: sent as taken
      return drawBoxes(jpeg, boxesOf(e)).catch((err: unknown) => {
        deps.log.warn({ camera_id: e.camera_id, event_id: e.id, cause: (err as Error).message }, 'boxes not drawn on a snapshot; sent without them');
        return jpeg;
      });
    },

    /** the event's MP4 clip, cut from the recording on first download */
    async clip(caller: Caller, id: number): Promise<{ size: number; body: Readable }> {
      const e = await load(caller, id);
      if (!e.clip_path) throw notFound(`event ${e.id} has no clip yet (a clip is available once the post-roll is recorded)`);
      try {
        const key = deps.clips ? await deps.clips.materialise({ ...e, clip_path: e.clip_path }) : e.clip_path;
        const info = await deps.objects.head('event-clips', key);
        if (!info) throw new NoFootageError('not cached');
        return { size: info.size, body: await deps.objects.stream('event-clips', key) };
      } catch (err) {
        if (err instanceof NoFootageError || err instanceof NotFoundError) throw notFound(`the footage of event ${e.id} is no longer stored`);
        throw err;
      }
    },
  };
}
