import { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { rootLogger, type Logger } from '../../core/log.ts';
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import { storageFailure, type Failure } from '../failure.ts';
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';
import { dayDir, segmentPattern, spawnTag } from '../ffmpeg-args.ts';
import { TICKS_PER_SECOND } from '../vod/ts-timestamps.ts';
import { FIRST_PTS, TsMuxer } from './mpegts-muxer.ts';

/**
 * The segment events a camera worker emits, under the same names, so the segment index (and
 * anything else listening to a worker's recording) takes these segments as it takes ffmpeg's.
 */
export interface TsSegmentWriterEvents {
  segmentOpened: [SegmentOpened];
  segment: [SegmentClosed];
  /** a segment left empty (its first write failed) was deleted */
  segmentDiscarded: [{ cameraId: string; path: string }];
  /** recordings cannot be written: once when it starts */
  storageFailure: [Failure];
  /** a segment was written again after a storage failure */
  storageRecovered: [];
}

export interface TsSegmentWriterOptions {
  cameraId: string;
  recordingsDir: string;
  /** a segment is cut at the first keyframe this long after its start */
  segmentSeconds: number;
  logger?: Logger;
  /** bytes waiting for the disk beyond which frames are dropped (default 8 MiB, ~25 s of a 2.5 Mbit/s stream) */
  maxQueuedBytes?: number;
}

interface Segment {
  rel: string;
  startTime: Date;
  /** source timestamps (90 kHz) of its first, last and second-to-last frame */
  firstPts: number;
  lastPts: number;
  prevPts: number | null;
  muxer: TsMuxer;
  stream: WriteStream;
  /** muxed frames not yet handed to the stream: one write per FLUSH_BYTES or FLUSH_MS, not one per frame */
  pending: Buffer[];
  pendingBytes: number;
  lastFlushAt: number;
  /** segmentOpened was emitted (the file exists) */
  announced: boolean;
}

/** hand the disk a chunk this big at most… */
const FLUSH_BYTES = 128 * 1024;
/** …or this old, so a kill loses at most about a second */
const FLUSH_MS = 1000;
const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** a frame this far after the previous one is a break in the source's clock, not a slow frame */
const MAX_STEP_TICKS = 5 * TICKS_PER_SECOND;
/** one frame at 25 fps, for a segment of a single frame (as VOD's media span assumes) */
const DEFAULT_FRAME_TICKS = 3600;
/** segments of one connection follow each other on the media clock until it drifts this far from arrival times */
const RESYNC_MS = 2000;
/** after a storage failure, a new file is tried at most this often */
const STORAGE_RETRY_MS = 5000;
const DAY_MS = 86_400_000;

/**
 * Writes one camera's MPEG-TS recording segments from its access units, as ffmpeg's segment
 * muxer did: a file opens at a keyframe, is cut at the first keyframe `segmentSeconds` after its
 * start, is named `<cameraId>/<YYYYMMDD>/<HHMMSS>_<tag>.ts` by its wall-clock start (UTC) and its
 * timestamps restart in each file. A segment ends at its start plus its media duration, so the
 * segments of one connection follow each other without holes. Storage errors are reported, never
 * thrown at the caller: the live feed must keep flowing when the disk fails.
 */
export class TsSegmentWriter extends EventEmitter<TsSegmentWriterEvents> {
  private readonly log: Logger;
  private readonly segmentTicks: number;
  private readonly maxQueuedBytes: number;
  private current: Segment | null = null;
  private readonly closing = new Set<Promise<void>>();
  /** segments ending, whose last bytes may still wait for the disk */
  private readonly closingSegments = new Set<Segment>();
  private lastClose: Promise<void> = Promise.resolve();
  private tag = spawnTag(Date.now());
  private lastName = '';
  /** wall clock of a source timestamp within this connection */
  private anchor: { wallMs: number; pts: number } | null = null;
  private lastPts: number | null = null;
  /** timestamp jumps in this connection */
  private jumps = 0;
  private failure: Failure | null = null;
  private retryAfter = 0;
  private dropping = false;
  private droppedNow = 0;
  private droppedTotal = 0;
  private closed = false;

  constructor(private readonly o: TsSegmentWriterOptions) {
    super();
    this.log = (o.logger ?? rootLogger).child({ component: 'ts-segment-writer', camera_id: o.cameraId });
    this.segmentTicks = o.segmentSeconds * TICKS_PER_SECOND;
    this.maxQueuedBytes = o.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** One frame of the live feed, in order. Frames before the first keyframe are not recorded. */
  push(au: TimedAccessUnit): void {
    if (this.closed) return;
    if (this.lastPts !== null && (au.pts90k <= this.lastPts || au.pts90k - this.lastPts > MAX_STEP_TICKS)) {
      // loud once per connection: a source whose clock keeps jumping would otherwise log every frame
      this.log[this.jumps++ ? 'debug' : 'warn']({ from_pts: this.lastPts, to_pts: au.pts90k }, 'source timestamps jumped: starting a new segment');
      this.closeCurrent();
      this.anchor = null;
    }
    this.lastPts = au.pts90k;
    if (this.current && au.idr && au.pts90k - this.current.firstPts >= this.segmentTicks) this.closeCurrent();
    if (this.tooFarBehind(au)) return;
    if (!this.current && !(au.idr && au.parameterSets && this.open(au))) return;
    this.write(this.current!, au);
  }

  /** The source reconnected: the open segment ends here and the next starts at the next keyframe. */
  reset(): void {
    this.closeCurrent();
    this.anchor = null;
    this.lastPts = null;
    this.jumps = 0;
    this.tag = spawnTag(Date.now());
  }

  /** Flushes and closes the open segment; resolves once every segment is closed and reported. */
  async close(): Promise<void> {
    this.closed = true;
    this.closeCurrent();
    while (this.closing.size) await Promise.all(this.closing);
  }

  /** frames dropped because the disk fell behind, since the start */
  get droppedFrames(): number {
    return this.droppedTotal;
  }

  /** A throwing listener must never take recording down with it. */
  override emit<K extends keyof TsSegmentWriterEvents>(event: K, ...args: TsSegmentWriterEvents[K]): boolean {
    try {
      return super.emit(event, ...(args as never));
    } catch (err) {
      this.log.error({ err, event }, 'segment writer listener failed');
      return true;
    }
  }

  /**
   * Bounded memory: when the disk does not take what is queued, frames are dropped up to the next
   * keyframe that finds the queue half empty, so what is written stays decodable (a hole, not garbage).
   */
  private tooFarBehind(au: TimedAccessUnit): boolean {
    const queued = this.queuedBytes();
    if (!this.dropping && queued > this.maxQueuedBytes) {
      this.dropping = true;
      this.log.warn({ queued_bytes: queued }, 'disk too slow for the recording: dropping frames until it catches up');
    } else if (this.dropping && au.idr && queued <= this.maxQueuedBytes / 2) {
      this.dropping = false;
      this.log.info({ dropped_frames: this.droppedNow }, 'disk caught up: recording every frame again');
      this.droppedNow = 0;
    }
    if (this.dropping) {
      this.droppedNow++;
      this.droppedTotal++;
    }
    return this.dropping;
  }

  private queuedBytes(): number {
    let n = this.current ? this.current.pendingBytes + this.current.stream.writableLength : 0;
    for (const s of this.closingSegments) n += s.stream.writableLength;
    return n;
  }

  /** The media clock of this connection on the wall clock, re-anchored when it drifts from arrival times. */
  private wallClock(au: TimedAccessUnit): number {
    const a = this.anchor;
    const onClock = a ? a.wallMs + ((au.pts90k - a.pts) * 1000) / TICKS_PER_SECOND : NaN;
    if (a && Math.abs(onClock - au.receivedAt) <= RESYNC_MS) return onClock;
    this.anchor = { wallMs: au.receivedAt, pts: au.pts90k };
    return au.receivedAt;
  }

  private open(au: TimedAccessUnit): boolean {
    if (Date.now() < this.retryAfter) return false;
    const startMs = this.wallClock(au);
    try {
      // today's and tomorrow's: the directory exists before the first segment after midnight needs it
      for (const t of [startMs, startMs + DAY_MS]) mkdirSync(path.join(this.o.recordingsDir, this.o.cameraId, dayDir(new Date(t))), { recursive: true });
    } catch (err) {
      this.storageFailed(err as Error);
      return false;
    }
    const start = new Date(startMs);
    let file = this.fileName(start);
    // two segments starting in one second (a cut at a timestamp jump): the tag keeps them apart
    if (file === this.lastName) {
      this.tag = spawnTag(Number(this.tag) + 1);
      file = this.fileName(start);
    }
    this.lastName = file;
    // 'wx': a recording is never overwritten
    const stream = createWriteStream(file, { flags: 'wx' });
    const seg: Segment = {
      rel: path.relative(this.o.recordingsDir, file), startTime: start, firstPts: au.pts90k, lastPts: au.pts90k, prevPts: null,
      muxer: new TsMuxer(), stream, pending: [], pendingBytes: 0, lastFlushAt: Date.now(), announced: false,
    };
    stream.once('open', () => {
      seg.announced = true;
      this.emit('segmentOpened', { cameraId: this.o.cameraId, path: seg.rel, startTime: seg.startTime });
      if (this.failure) {
        this.failure = null;
        this.log.info('recordings are written again');
        this.emit('storageRecovered');
      }
    });
    stream.on('error', (err) => {
      this.storageFailed(err);
      if (this.current === seg) this.closeCurrent();
    });
    this.current = seg;
    return true;
  }

  private fileName(start: Date): string {
    const hhmmss = start.toISOString().slice(11, 19).replace(/:/g, '');
    return segmentPattern(this.o.recordingsDir, this.o.cameraId, this.tag).replace('%Y%m%d', dayDir(start)).replace('%H%M%S', hhmmss);
  }

  private write(seg: Segment, au: TimedAccessUnit): void {
    if (au.pts90k !== seg.lastPts) seg.prevPts = seg.lastPts;
    seg.lastPts = au.pts90k;
    const ts = seg.muxer.mux({ ...au, pts90k: FIRST_PTS + (au.pts90k - seg.firstPts) });
    seg.pending.push(ts);
    seg.pendingBytes += ts.length;
    const now = Date.now();
    if (seg.pendingBytes >= FLUSH_BYTES || now - seg.lastFlushAt >= FLUSH_MS) this.flush(seg, now);
  }

  private flush(seg: Segment, now: number): void {
    seg.lastFlushAt = now;
    if (!seg.pendingBytes || seg.stream.destroyed) return;
    seg.stream.write(seg.pending.length === 1 ? seg.pending[0]! : Buffer.concat(seg.pending, seg.pendingBytes));
    seg.pending = [];
    seg.pendingBytes = 0;
  }

  private closeCurrent(): void {
    const seg = this.current;
    if (!seg) return;
    this.current = null;
    this.flush(seg, Date.now());
    this.closingSegments.add(seg);
    const fileClosed = new Promise<void>((resolve) => {
      seg.stream.once('close', resolve);
      if (!seg.stream.destroyed) seg.stream.end();
      else if (seg.stream.closed) resolve();
    });
    // files close in any order; their segments are reported in the order they were recorded
    const done = Promise.all([this.lastClose, fileClosed]).then(() => this.finish(seg));
    this.lastClose = done;
    this.closing.add(done);
    void done.finally(() => {
      this.closing.delete(done);
      this.closingSegments.delete(seg);
    });
  }

  /** Reports a closed segment with what reached the disk, or removes the file when nothing did. */
  private finish(seg: Segment): void {
    const file = path.join(this.o.recordingsDir, seg.rel);
    const bytes = seg.stream.bytesWritten;
    if (bytes === 0) {
      try {
        if (seg.announced) rmSync(file, { force: true });
      } catch (err) {
        this.log.warn({ err, path: seg.rel }, 'cannot remove an empty segment');
      }
      if (seg.announced) this.emit('segmentDiscarded', { cameraId: this.o.cameraId, path: seg.rel });
      return;
    }
    const step = seg.prevPts === null ? DEFAULT_FRAME_TICKS : seg.lastPts - seg.prevPts;
    const frame = step > 0 && step < TICKS_PER_SECOND ? step : DEFAULT_FRAME_TICKS;
    const mediaMs = ((seg.lastPts - seg.firstPts + frame) * 1000) / TICKS_PER_SECOND;
    this.emit('segment', { cameraId: this.o.cameraId, path: seg.rel, startTime: seg.startTime, endTime: new Date(seg.startTime.getTime() + mediaMs), bytes });
  }

  /** Loud once when writing starts failing; retried at a later keyframe. */
  private storageFailed(err: Error): void {
    this.retryAfter = Date.now() + STORAGE_RETRY_MS;
    if (this.failure) return;
    this.failure = storageFailure(err);
    this.log.warn({ err, cause: this.failure.cause, kind: this.failure.kind }, `camera ${this.o.cameraId}: ${this.failure.cause}`);
    this.emit('storageFailure', this.failure);
  }
}
