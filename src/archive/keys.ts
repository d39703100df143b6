import { parseSegmentPath } from '../media/ffmpeg-args.ts';

/**
 * Archive object keys of recorded segments, S3-style so a bucket lists by camera and day:
 * `cam_001/20250120/143000_123456.ts` (recordings dir) → `cam_001/2025/01/20/143000_123456.ts`.
 */
export function segmentObjectKey(relPath: string): string {
  const m = /^([^/]+)\/(\d{4})(\d{2})(\d{2})\/([^/]+\.ts)$/.exec(relPath);
  if (!m || !parseSegmentPath(relPath)) throw new Error(`not a segment path: "${relPath}"`);
  const [, cam, y, mo, d, name] = m as unknown as [string, string, string, string, string, string];
  return `${cam}/${y}/${mo}/${d}/${name}`;
}

/** Camera and recorded start of a segment object key; null for keys that are not segments. */
export function parseSegmentObjectKey(key: string): { cameraId: string; start: Date } | null {
  const m = /^([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+\.ts)$/.exec(key);
  return m ? parseSegmentPath(`${m[1]}/${m[2]}${m[3]}${m[4]}/${m[5]}`) : null;
}
