import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/log.ts';
import type { Objects } from '../objects/port.ts';
import type { ArchiveRepo } from '../store/repositories/archive.ts';
import type { SegmentRepo, SegmentRow } from '../store/repositories/types.ts';
import { segmentObjectKey } from './keys.ts';
import { confirmCopy } from './verify.ts';

/** Cursor names are `<bucket>/<camera>`; retention asks the archive repo with this prefix. */
export const SEGMENT_STREAM_PREFIX = 'video-segments/';

export interface SegmentSyncOptions {
  archive: ArchiveRepo;
  segments: SegmentRepo;
  recordingsDir: string;
  /** the archive tier (a second disk adapter, or S3 later) */
  target: Objects;
  /** rows copied per camera per call */
  batchSize?: number;
  log: Logger;
  /** called after each confirmed copy, for metrics */
  onCopied?: (cameraId: string, bytes: number, uploaded: boolean) => void;
}

export interface CameraSyncResult {
  /** objects written now */
  uploaded: number;
  /** already in the archive from a run that died before moving the cursor: not written again */
  present: number;
  /** rows whose file was gone: the cursor passes them */
  lost: number;
  bytes: number;
  /** the batch was full: call again at once */
  more: boolean;
  /** the cursor now */
  lastId: number;
}

/**
 * Copies a camera's closed segments to the archive in index order, moving its durable cursor only
 * after the copy is confirmed (head: same size). Restart-safe: rows behind the cursor are never
 * touched again; a copy made just before a crash is found by head and not rewritten; a half
 * copy is invisible (adapters write atomically) or has the wrong size and is written again.
 * The open segment stops the batch: the cursor never passes a segment still being recorded.
 * Errors of the archive (unreachable) propagate with the cursor unchanged.
 */
export async function syncCameraSegments(o: SegmentSyncOptions, cameraId: string): Promise<CameraSyncResult> {
  const stream = SEGMENT_STREAM_PREFIX + cameraId;
  const batch = o.batchSize ?? 50;
  const cursor = await o.archive.cursor(stream);
  const result: CameraSyncResult = { uploaded: 0, present: 0, lost: 0, bytes: 0, more: false, lastId: cursor?.last_id ?? 0 };
  const rows = await o.archive.segmentsAfter(cameraId, result.lastId, batch);
  for (const row of rows) {
    if (row.status === 'open') return result;
    const outcome = row.status === 'missing' ? 'lost' : await copySegment(o, row);
    if (outcome === 'lost') {
      o.log.warn({ camera_id: cameraId, path: row.path }, 'segment file gone before it was archived: skipped');
      if (row.status !== 'missing') await o.segments.upsert({ cameraId, path: row.path, startTime: row.start_time, endTime: row.end_time, bytes: row.bytes, status: 'missing' });
      result.lost += 1;
    } else {
      result[outcome.uploaded ? 'uploaded' : 'present'] += 1;
      result.bytes += outcome.bytes;
      o.onCopied?.(cameraId, outcome.bytes, outcome.uploaded);
    }
    await o.archive.advance(stream, row.id, row.start_time);
    result.lastId = row.id;
  }
  result.more = rows.length === batch;
  return result;
}

async function copySegment(o: SegmentSyncOptions, row: SegmentRow): Promise<'lost' | { uploaded: boolean; bytes: number }> {
  const file = path.join(o.recordingsDir, row.path);
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st) return 'lost';
  const key = segmentObjectKey(row.path);
  const uploaded = await confirmCopy(o.target, 'video-segments', key, st.size, () => createReadStream(file), 'video/mp2t');
  return { uploaded, bytes: st.size };
}
