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
  zone?: string;
  limit: number;
  cursor?: string;
}

const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const storedBoxes = z.array(z.object({ track_id: z.number().int().optional(), class: z.string(), confidence: z.number(), bbox: box }));
const storedTrack = z.array(z.tuple([z.number(), z.number(), z.number()]));

/** The boxes to draw on an event's snapshot: a rule event's objects in the frame that fired, else the event's own box. */
function boxesOf(e: EventRow): LabelledBox[] {
  const stored = subjectBoxes(e);
  if (stored.length) return stored;
  return e.bounding_box ? [{ bbox: e.bounding_box, class: e.label, confidence: e.confidence }] : [];
}

/** a rule event's objects in the frame that fired (metadata.boxes), none for a track's event */
const subjectBoxes = (e: EventRow) => storedBoxes.catch([]).parse(e.metadata.boxes ?? []);

/** the sampled path of a track's event (metadata.track), in time order: a late catch-up may have appended older points */
const trackOf = (e: EventRow) => storedTrack.catch([]).parse(e.metadata.track ?? [])
  .map(([at, x, y]) => ({ at: new Date(at), x, y }))
  .sort((a, b) => a.at.getTime() - b.at.getTime());

export function publicEvent(e: EventRow) {
  // the path is returned once, typed, as `track`
  const { track: _path, ...metadata } = e.metadata;
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
    metadata,
    // found later from the recording (live analysis had skipped those frames); start_time is still the capture time
    late: e.late,
    zone_id: typeof e.metadata.zone_id === 'string' ? e.metadata.zone_id : null,
    boxes: subjectBoxes(e),
    track: trackOf(e),
    face_embedding_id: e.face_embedding_id,
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
      const page = await deps.events.list({ cameraIds, label: q.class, from: q.from, to: q.to, late: q.late, zoneId: q.zone, limit: q.limit, cursor: q.cursor });
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
