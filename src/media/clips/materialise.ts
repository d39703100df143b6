import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Objects } from '../../objects/port.ts';
import type { SegmentRepo, SegmentRow } from '../../store/repositories/types.ts';
import { cutMp4, type CutSegment } from '../vod/cut.ts';
import { segmentFile } from '../vod/segment-file.ts';

/**
 * An event's clip is the recording range it needs (start − pre .. end + post), kept as segments;
 * an MP4 exists only once someone needs one — a download or the archive — and is then cached in
 * the event-clips bucket (the storage budget counts and trims that cache). Every reader of clip
 * files goes through `materialise`, so overlapping events share the footage and no reader depends
 * on a copy having been made in advance.
 */
export interface ClipEvent {
  camera_id: string;
  start_time: Date;
  end_time: Date | null;
  /** the clip's key in the event-clips bucket (events.clip_path) */
  clip_path: string;
}

export interface ClipFootageOptions {
  segments: Pick<SegmentRepo, 'list'>;
  recordingsDir: string;
  preSeconds: number;
  postSeconds: number;
}

export interface ClipMaterialiserOptions extends ClipFootageOptions {
  objects: Objects;
  /** temp files of clips being cut */
  tmpDir: string;
}

/** The event's footage is not (or no longer) recorded. */
export class NoFootageError extends Error {}

export function clipRange(e: Pick<ClipEvent, 'start_time' | 'end_time'>, o: Pick<ClipFootageOptions, 'preSeconds' | 'postSeconds'>): { from: Date; to: Date } {
  return { from: new Date(e.start_time.getTime() - o.preSeconds * 1000), to: new Date((e.end_time ?? e.start_time).getTime() + o.postSeconds * 1000) };
}

export function noFootage(e: Pick<ClipEvent, 'camera_id' | 'start_time' | 'end_time'>, o: Pick<ClipFootageOptions, 'preSeconds' | 'postSeconds'>): NoFootageError {
  const { from, to } = clipRange(e, o);
  return new NoFootageError(`no recordings for ${e.camera_id} between ${from.toISOString()} and ${to.toISOString()}`);
}

/** The closed segment files covering the event's range (rows still open are returned apart). */
export async function clipFootage(e: Pick<ClipEvent, 'camera_id' | 'start_time' | 'end_time'>, o: ClipFootageOptions): Promise<{ files: CutSegment[]; open: SegmentRow[] }> {
  const { from, to } = clipRange(e, o);
  const rows = await o.segments.list(e.camera_id, from, to);
  const closed = rows.filter((r) => r.status === 'closed' && r.end_time);
  const files = (await Promise.all(closed.map(async (r) => ({ file: await segmentFile(o.recordingsDir, r.path), start: r.start_time, end: r.end_time! }))))
    .flatMap((f) => (f.file ? [{ ...f, file: f.file }] : []));
  return { files, open: rows.filter((r) => r.status === 'open') };
}

export interface ClipMaterialiser {
  /** Returns the clip's key in the event-clips bucket, cutting it from the segments when it is not cached. */
  materialise(e: ClipEvent, signal?: AbortSignal): Promise<string>;
}

export function clipMaterialiser(o: ClipMaterialiserOptions): ClipMaterialiser {
  // two downloads of one clip at once cut it once
  const cutting = new Map<string, Promise<string>>();

  const cut = async (e: ClipEvent, signal?: AbortSignal): Promise<string> => {
    const { files } = await clipFootage(e, o);
    if (!files.length) throw noFootage(e, o);
    const { from, to } = clipRange(e, o);
    await mkdir(o.tmpDir, { recursive: true });
    const work = await mkdtemp(path.join(o.tmpDir, 'clip-'));
    try {
      const out = path.join(work, 'clip.mp4');
      await cutMp4({ segments: files, from, to, out, signal });
      await o.objects.put('event-clips', e.clip_path, createReadStream(out), 'video/mp4');
      return e.clip_path;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };

  return {
    async materialise(e, signal) {
      if (await o.objects.head('event-clips', e.clip_path)) return e.clip_path;
      let running = cutting.get(e.clip_path);
      if (!running) {
        running = cut(e, signal).finally(() => cutting.delete(e.clip_path));
        cutting.set(e.clip_path, running);
      }
      return running;
    },
  };
}
