import type { GapRow, SegmentRepo, SegmentRow } from '../store/repositories/types.ts';

/** In-memory SegmentRepo with the PGlite repository's semantics, for unit tests. */
export class FakeSegmentRepo implements SegmentRepo {
  rows = new Map<string, SegmentRow>();
  gapRows: GapRow[] = [];
  private nextId = 1;

  async upsert(s: Parameters<SegmentRepo['upsert']>[0]): Promise<void> {
    const old = this.rows.get(s.path);
    // like ON CONFLICT (path) DO UPDATE: start_time and camera stay as first inserted
    this.rows.set(s.path, {
      id: old?.id ?? this.nextId++, camera_id: old?.camera_id ?? s.cameraId, start_time: old?.start_time ?? s.startTime,
      end_time: s.endTime, path: s.path, bytes: s.bytes, status: s.status,
    });
  }

  private sorted(pred: (r: SegmentRow) => boolean): SegmentRow[] {
    return [...this.rows.values()].filter(pred).sort((a, b) => a.start_time.getTime() - b.start_time.getTime() || a.id - b.id);
  }

  async get(id: number): Promise<SegmentRow | null> {
    return [...this.rows.values()].find((r) => r.id === id) ?? null;
  }

  async list(cameraId: string, from: Date, to: Date): Promise<SegmentRow[]> {
    return this.sorted((r) => r.camera_id === cameraId && r.start_time < to && (r.end_time === null || r.end_time > from));
  }

  async oldest(limit: number, cameraId?: string): Promise<SegmentRow[]> {
    return this.sorted((r) => r.status === 'closed' && (cameraId === undefined || r.camera_id === cameraId)).slice(0, limit);
  }

  async endedBefore(cameraId: string, before: Date, limit: number): Promise<SegmentRow[]> {
    return this.sorted((r) => r.camera_id === cameraId && r.status !== 'open' && (r.end_time ?? r.start_time) < before).slice(0, limit);
  }

  async open(cameraId?: string): Promise<SegmentRow[]> {
    return this.sorted((r) => r.status === 'open' && (cameraId === undefined || r.camera_id === cameraId));
  }

  async remove(path: string): Promise<void> {
    this.rows.delete(path);
  }

  async removeDeleted(path: string, cause: string): Promise<void> {
    const row = this.rows.get(path);
    if (!row) return;
    this.rows.delete(path);
    const end = row.end_time ?? row.start_time;
    const run = this.gapRows.find((g) => g.camera_id === row.camera_id && g.kind === 'deleted' && g.cause === cause && g.end_time !== null
      && g.end_time.getTime() >= row.start_time.getTime() - 2000 && g.end_time <= end);
    if (run) run.end_time = end;
    else this.gapRows.push({ camera_id: row.camera_id, start_time: row.start_time, end_time: end, cause, kind: 'deleted' });
  }

  async openGap(cameraId: string, start: Date, cause: string, kind: string): Promise<void> {
    if (!this.gapRows.some((g) => g.camera_id === cameraId && g.end_time === null)) this.gapRows.push({ camera_id: cameraId, start_time: start, end_time: null, cause, kind });
  }

  async closeGap(cameraId: string, end: Date): Promise<void> {
    for (const g of this.gapRows) if (g.camera_id === cameraId && g.end_time === null) g.end_time = end < g.start_time ? g.start_time : end;
  }

  async gaps(cameraId: string, from: Date, to: Date): Promise<GapRow[]> {
    return this.gapRows.filter((g) => g.camera_id === cameraId && g.start_time < to && (g.end_time === null || g.end_time > from));
  }

  async stats(cameraId: string): Promise<{ segments: number; bytes: number; first: Date | null; last: Date | null }> {
    const rows = this.sorted((r) => r.camera_id === cameraId && r.status !== 'missing');
    const ends = rows.map((r) => (r.end_time ?? r.start_time).getTime());
    return { segments: rows.length, bytes: rows.reduce((a, r) => a + r.bytes, 0), first: rows[0]?.start_time ?? null, last: ends.length ? new Date(Math.max(...ends)) : null };
  }
}
