import type { Bucket } from '../objects/port.ts';
import type { LegalHold } from '../store/repositories/archive.ts';
import { parseSegmentObjectKey } from './keys.ts';

const DAY_MS = 86_400_000;

/** What an archived object covers: camera and recorded time span, when its key says so. */
export function objectSpan(bucket: Bucket, key: string, segmentSeconds: number): { cameraId: string; start: number; end: number } | null {
  if (bucket === 'video-segments') {
    const p = parseSegmentObjectKey(key);
    return p && { cameraId: p.cameraId, start: p.start.getTime(), end: p.start.getTime() + segmentSeconds * 1000 };
  }
  // event clips are `<camera>/<YYYYMMDD>/<event id>.mp4`: only the day is known, so a range hold keeps the whole day
  const m = /^([^/]+)\/(\d{4})(\d{2})(\d{2})\/[^/]+$/.exec(key);
  if (!m) return null;
  const start = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]));
  return Number.isNaN(start) ? null : { cameraId: m[1]!, start, end: start + DAY_MS };
}

/** The first active hold covering an archived object: a hold on it by key, or a camera range overlapping it. */
export function holdOn(holds: LegalHold[], bucket: Bucket, key: string, segmentSeconds: number): LegalHold | undefined {
  let span: ReturnType<typeof objectSpan> | undefined;
  return holds.find((h) => {
    if (h.bucket !== null) return h.bucket === bucket && h.object_key === key;
    span ??= objectSpan(bucket, key, segmentSeconds);
    return span !== null && h.camera_id === span.cameraId && h.from_time!.getTime() < span.end && h.to_time!.getTime() > span.start;
  });
}
