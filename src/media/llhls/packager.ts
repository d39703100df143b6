/**
 * LL-HLS of one camera, served from memory: access units in, fMP4 parts of ~200 ms and segments
 * cut at key frames out, with the blocking playlist reload and preload hints of RFC 8216bis so a
 * player hears of a part the moment it exists. Memory is bounded whatever the source does: a
 * window of segments, segments cut without a key frame after 2.4 s, parts of at most
 * MAX_SAMPLES_PER_PART frames, and a byte ceiling.
 */
import { rootLogger, type Logger } from '../../core/log.ts';
import type { CameraFeed } from '../feed/camera-feed.ts';
import type { TimedAccessUnit } from '../feed/timed-access-unit.ts';
import { fragment, initSegment, TIMESCALE } from '../fmp4/fmp4.ts';
import { PART_TARGET_S, renderPlaylist, TARGET_DURATION_S, type LlPart, type LlSegment } from './playlist.ts';

const PART_TICKS = PART_TARGET_S * TIMESCALE;
// a part is closed when one more frame would take it past the target by more than this (timestamp jitter)
const PART_SLACK_TICKS = 0.05 * PART_TICKS;
const MIN_SEGMENT_TICKS = 1 * TIMESCALE;
/** without an IDR, a segment is cut here: 2.4 s still rounds to the target duration */
const FORCED_CUT_TICKS = (TARGET_DURATION_S + 0.4) * TIMESCALE;
/** 25 fps until the source shows its frame interval */
const DEFAULT_FRAME_TICKS = TIMESCALE / 25;
/**
 * The frame interval is the shortest of the last few: a gap (frames lost, a stall) must not pass
 * for the frame rate, or a part would close at its first frame with a last sample estimated far
 * too long, and the frames after it would be squeezed into single ticks.
 */
const INTERVALS_KEPT = 8;
/** a part of a source whose timestamps stand still still ends (300 fps × 200 ms) */
const MAX_SAMPLES_PER_PART = 60;
/** nor does its segment: twice the parts 2.4 s holds at the part target */
const MAX_PARTS_PER_SEGMENT = 2 * Math.ceil(FORCED_CUT_TICKS / PART_TICKS);
/** the playlist lists this many complete segments (well over three target durations of media) */
export const SEGMENTS_LISTED = 6;
/** one more stays fetchable after leaving the playlist, for a player that read the playlist just before */
const SEGMENTS_KEPT = SEGMENTS_LISTED + 1;
/** ~10× what 7 segments of a 25 Mbit/s camera take: only a broken source reaches it */
const MAX_WINDOW_BYTES = 64 * 1024 * 1024;
/** RFC 8216bis: a server that cannot answer a blocking request within three target durations returns 503 */
export const BLOCK_TIMEOUT_MS = 3 * TARGET_DURATION_S * 1000;
/** RFC 8216bis Advance Part Limit: 3 s of parts ahead of the last one */
const ADVANCE_PART_LIMIT = Math.round(3 / PART_TARGET_S);

export interface LlHlsPackagerOptions {
  cameraId: string;
  log?: Logger;
  /** how long a blocking request waits (default BLOCK_TIMEOUT_MS; tests shorten it) */
  blockTimeoutMs?: number;
  /** a player asked for something (see requested()) */
  onRequest?: () => void;
}

export type Answer<T> = { ok: T } | { status: 400 | 404 | 503; reason: string };

/** A blocking playlist request's delivery directives (`_HLS_msn`, `_HLS_part`). */
export interface PlaylistRequest {
  msn?: number;
  part?: number;
}

interface Pending {
  au: TimedAccessUnit;
  /** decode time, TIMESCALE ticks */
  at: number;
}

export class LlHlsPackager {
  private readonly log: Logger;
  private readonly blockTimeoutMs: number;
  /** complete segments, oldest first: the last SEGMENTS_LISTED are listed */
  private readonly segments: LlSegment[] = [];
  private open: LlSegment | undefined;
  private pending: Pending[] = [];
  private readonly inits = new Map<number, Buffer>();
  private parameterSets: { sps: Buffer; pps: Buffer } | undefined;
  private initGeneration = -1;
  private nextMsn = 0;
  private nextPartId = 0;
  private discontinuities = 0;
  /** from construction and after reset(): nothing is packaged before an IDR */
  private awaitingIdr = true;
  private discontinuityNext = false;
  /** decode time of the connection's first frame minus its pts: maps pts90k onto one continuous timeline */
  private ptsOffset = 0;
  /** where the next sample's decode time starts (end of the last one published) */
  private timelineEnd = 0;
  private frameTicks = DEFAULT_FRAME_TICKS;
  private readonly intervals = new Array<number>(INTERVALS_KEPT).fill(DEFAULT_FRAME_TICKS);
  private intervalCount = 0;
  private lastAt = -1;
  private forcedCuts = false;
  private overBudget = false;
  private rendered: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: LlHlsPackagerOptions) {
    this.log = (opts.log ?? rootLogger).child({ component: 'll-hls', camera_id: opts.cameraId });
    this.blockTimeoutMs = opts.blockTimeoutMs ?? BLOCK_TIMEOUT_MS;
  }

  /** A player asked for this camera's LL-HLS (its playlist or media): the feed is followed while players keep asking. */
  requested(): void {
    this.opts.onRequest?.();
  }

  /** The next access unit of the camera, in order. */
  push(au: TimedAccessUnit): void {
    if (au.idr && au.parameterSets && !this.awaitingIdr && !this.sameParameterSets(au.parameterSets)) {
      // the camera changed resolution or profile mid-stream: a break as at a reconnect with a new init
      this.reset();
    }
    if (this.awaitingIdr) {
      if (!au.idr || !this.startConnection(au)) return;
    }
    let at = au.pts90k + this.ptsOffset;
    // timestamps that stand still or step back (a broken source) still make a forward timeline
    if (at <= this.lastAt) at = this.lastAt + 1;
    else if (this.lastAt >= 0) this.noteInterval(at - this.lastAt);
    this.lastAt = at;

    const first = this.pending[0];
    // half a frame early: timestamps of a real camera jitter around the 1 s mark
    if (au.idr && this.open && at - this.open.start >= MIN_SEGMENT_TICKS - this.frameTicks / 2) {
      if (first) this.closePart(at);
      this.closeSegment();
      if (this.forcedCuts) {
        this.forcedCuts = false;
        this.log.info('LL-HLS segments start on key frames again');
      }
    } else if (first && at - first.at > PART_TICKS + PART_SLACK_TICKS) {
      this.closePart(at);
    }
    this.open ??= this.openSegment(au);
    this.pending.push({ au, at });
    // close as soon as one more frame would not fit: the part is out one frame interval earlier
    const start = this.pending[0]!.at;
    if (at + 2 * this.frameTicks - start > PART_TICKS + PART_SLACK_TICKS || this.pending.length >= MAX_SAMPLES_PER_PART) this.closePart();
  }

  /**
   * The source reconnected (or is about to): what was received is published, and the stream goes
   * on at the next IDR, media sequence numbers and decode times continuing. Only when the new
   * connection brings other parameter sets does the next segment get EXT-X-DISCONTINUITY and its
   * own init segment: the same stream with a gap in it is no discontinuity for a player (and
   * hls.js in low-latency mode was seen to fail fatally, "discontinuity sequence mismatch", on
   * reloads across one).
   */
  reset(): void {
    if (this.pending.length > 0) this.closePart();
    this.closeSegment();
    this.awaitingIdr = true;
    this.lastAt = -1;
    this.changed();
  }

  /**
   * The feed stopped (nobody asked for a while): the window is dropped, for video that old must
   * never be served as live; numbering goes on, and the next request waits for new segments.
   */
  forget(): void {
    this.reset();
    this.segments.length = 0;
    this.trim();
    this.changed();
  }

  /** The same segments as a plain HLS playlist (no parts), for players without low-latency HLS; its URIs under `uriPrefix`. */
  plainPlaylist(uriPrefix: string): string | undefined {
    if (this.segments.length === 0) return undefined;
    return renderPlaylist({ segments: this.segments.slice(-SEGMENTS_LISTED), open: undefined, hintedPart: undefined, plain: { uriPrefix } });
  }

  /** plainPlaylist, waiting up to the block timeout for the first segment of a camera just started (or just asked for again). */
  async plainPlaylistFor(uriPrefix: string, signal?: AbortSignal): Promise<string | undefined> {
    await this.waitFor(() => this.segments.length > 0, signal);
    return this.plainPlaylist(uriPrefix);
  }

  /** The playlist, once a segment is complete; undefined before. */
  playlist(): string | undefined {
    if (this.segments.length === 0) return undefined;
    this.rendered ??= renderPlaylist({ segments: this.segments.slice(-SEGMENTS_LISTED), open: this.open, hintedPart: this.hintedPart() });
    return this.rendered;
  }

  /**
   * The playlist for a request with delivery directives: held until the segment (`msn`) or part
   * (`msn` + `part`) asked for exists, as RFC 8216bis §6.2.5.2 has it; a plain request waits only
   * for the first segment of a camera that just started.
   */
  async playlistFor(req: PlaylistRequest, signal?: AbortSignal): Promise<Answer<string>> {
    const { msn, part } = req;
    if (part !== undefined && msn === undefined) return { status: 400, reason: '_HLS_part needs _HLS_msn' };
    const newest = this.open?.parts.length ? this.open : this.segments.at(-1);
    if (msn !== undefined && newest) {
      if (msn > newest.msn + 2) return { status: 400, reason: `_HLS_msn=${msn} is more than two segments past the newest (${newest.msn})` };
      const lastPart = newest.parts.length - 1;
      const ahead = msn === newest.msn ? (part ?? 0) - lastPart : msn > newest.msn ? (part ?? 0) + 1 : 0;
      if (ahead > ADVANCE_PART_LIMIT) return { status: 400, reason: `_HLS_part=${part} is more than ${ADVANCE_PART_LIMIT} parts past the newest (${newest.msn}.${lastPart})` };
    }
    const ready = (): boolean => this.segments.length > 0 && (msn === undefined || this.has(msn, part));
    if (!(await this.waitFor(ready, signal))) {
      const what = msn === undefined ? 'no LL-HLS segment yet' : `no ${part === undefined ? `segment ${msn}` : `part ${msn}.${part}`} yet`;
      return { status: 503, reason: `${what} after ${this.blockTimeoutMs / 1000} s (the camera may be reconnecting); retry` };
    }
    return { ok: this.playlist()! };
  }

  /** An init segment: a generation the playlist names, or the current one. */
  init(generation = this.initGeneration): Buffer | undefined {
    return this.inits.get(generation);
  }

  /** A complete segment in the window, as the buffers of its parts (in order). */
  segment(msn: number): Buffer[] | undefined {
    return this.segments.find((s) => s.msn === msn)?.parts.map((p) => p.data);
  }

  /**
   * A part; the hinted one (next to be made) is held until it is complete, as RFC 8216bis
   * requires for preload hints: no byte of it goes out before all of it can.
   */
  async partFor(id: number, signal?: AbortSignal): Promise<Answer<Buffer>> {
    if (id > this.nextPartId) return { status: 404, reason: `part ${id} is not in the playlist nor hinted yet` };
    if (id === this.nextPartId && !(await this.waitFor(() => id < this.nextPartId, signal))) {
      return { status: 503, reason: `part ${id} was not complete within ${this.blockTimeoutMs / 1000} s (the camera may be reconnecting); retry` };
    }
    const found = this.findPart(id);
    return found ? { ok: found.data } : { status: 404, reason: `part ${id} is not in the live window any more` };
  }

  /** Bytes held for the window (complete segments and the one being made). */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0) + (this.open?.bytes ?? 0);
  }

  private noteInterval(ticks: number): void {
    this.intervals[this.intervalCount++ % INTERVALS_KEPT] = ticks;
    this.frameTicks = Math.min(...this.intervals);
  }

  private sameParameterSets(p: { sps: Buffer; pps: Buffer }): boolean {
    return !!this.parameterSets && this.parameterSets.sps.equals(p.sps) && this.parameterSets.pps.equals(p.pps);
  }

  /** An IDR after construction or reset(): the init segment from its parameter sets, the timeline continued. */
  private startConnection(au: TimedAccessUnit): boolean {
    if (au.parameterSets && !this.sameParameterSets(au.parameterSets)) {
      let init: Buffer;
      try {
        init = initSegment(au.parameterSets.sps, au.parameterSets.pps);
      } catch (err) {
        this.log.warn({ err }, 'LL-HLS: the IDR carries an SPS that cannot be read; waiting for the next IDR');
        return false;
      }
      this.parameterSets = au.parameterSets;
      this.discontinuityNext = this.initGeneration >= 0;
      this.initGeneration++;
      this.inits.set(this.initGeneration, init);
    }
    if (!this.parameterSets) return false;
    this.awaitingIdr = false;
    this.ptsOffset = this.timelineEnd - au.pts90k;
    return true;
  }

  private openSegment(au: TimedAccessUnit): LlSegment {
    const discontinuity = this.discontinuityNext;
    this.discontinuityNext = false;
    if (discontinuity) this.discontinuities++;
    return {
      msn: this.nextMsn++, parts: [], duration: 0, start: this.timelineEnd, programDateTime: au.receivedAt,
      discontinuity, discontinuitySequence: this.discontinuities, initGeneration: this.initGeneration, bytes: 0,
    };
  }

  /**
   * Publishes the pending frames as one part. Each sample lasts until the next one's timestamp;
   * the last until `nextAt` when known, else one frame interval (the next part then starts where
   * this one ends, so the timeline has neither gaps nor overlaps).
   */
  private closePart(nextAt?: number): void {
    const segment = this.open!;
    let start = this.timelineEnd;
    const samples = this.pending.map((p, i) => {
      const end = Math.max(start + 1, this.pending[i + 1]?.at ?? nextAt ?? p.at + this.frameTicks);
      const sample = { nals: p.au.nals, duration: end - start, sync: p.au.idr };
      start = end;
      return sample;
    });
    const id = this.nextPartId++;
    const part: LlPart = { id, data: fragment(id + 1, this.timelineEnd, samples), duration: start - this.timelineEnd, independent: this.pending[0]!.au.idr };
    this.timelineEnd = start;
    this.pending = [];
    segment.parts.push(part);
    segment.duration += part.duration;
    segment.bytes += part.data.length;
    if (segment.duration >= FORCED_CUT_TICKS || segment.parts.length >= MAX_PARTS_PER_SEGMENT) {
      if (!this.forcedCuts) {
        this.forcedCuts = true;
        this.log.warn(`LL-HLS: no IDR within ${FORCED_CUT_TICKS / TIMESCALE} s; cutting segments without a key frame (players can only start at a key frame)`);
      }
      this.closeSegment();
    }
    this.trim();
    this.changed();
  }

  /** Completes the open segment, if any (a forced cut may have just done so). */
  private closeSegment(): void {
    const segment = this.open;
    if (!segment) return;
    this.open = undefined;
    if (segment.parts.length > 0) this.segments.push(segment);
    this.trim();
    this.changed();
  }

  private trim(): void {
    while (this.segments.length > SEGMENTS_KEPT) this.segments.shift();
    const over = this.bytes > MAX_WINDOW_BYTES;
    while (this.segments.length > 1 && this.bytes > MAX_WINDOW_BYTES) this.segments.shift();
    if (over !== this.overBudget) {
      this.overBudget = over;
      if (over) this.log.warn(`LL-HLS window over ${MAX_WINDOW_BYTES / 1024 / 1024} MB: dropping old segments early (the camera sends unusually large frames)`);
      else this.log.info('LL-HLS window back within its memory budget');
    }
    const used = new Set([...this.segments, ...(this.open ? [this.open] : [])].map((s) => s.initGeneration));
    used.add(this.initGeneration);
    for (const generation of this.inits.keys()) if (!used.has(generation)) this.inits.delete(generation);
  }

  /**
   * No hint while the next part may open a discontinuity (until the reconnected source's IDR shows
   * its parameter sets): a player would fetch it as part of the old stream, with the old init.
   */
  private hintedPart(): number | undefined {
    const breakAhead = this.awaitingIdr || (this.open?.parts.length === 0 && this.open.discontinuity);
    return breakAhead ? undefined : this.nextPartId;
  }

  /** RFC 8216bis: segment `msn` (or later) is complete; with `part`, that part (or a later one) exists — a part index past a segment's last means part 0 of the next. */
  private has(msn: number, part: number | undefined): boolean {
    if (part === undefined) return this.segments.at(-1)!.msn >= msn;
    const newest = this.open?.parts.length ? this.open : this.segments.at(-1)!;
    return newest.msn > msn || (newest.msn === msn && newest.parts.length > part);
  }

  private findPart(id: number): LlPart | undefined {
    for (const s of [...this.segments, ...(this.open ? [this.open] : [])]) {
      const first = s.parts[0];
      if (first && id >= first.id && id < first.id + s.parts.length) return s.parts[id - first.id];
    }
    return undefined;
  }

  private changed(): void {
    this.rendered = undefined;
    for (const wake of this.waiters) wake();
  }

  /** Resolves true as soon as `ready()` holds, false after the block timeout or when the client goes away. */
  private waitFor(ready: () => boolean, signal?: AbortSignal): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', abort);
        resolve(ok);
      };
      const check = (): void => {
        if (ready()) done(true);
      };
      const abort = (): void => done(false);
      const timer = setTimeout(abort, this.blockTimeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}

/** players poll the playlist every part (~0.2 s) or segment: this long without a request, nobody watches */
export const LL_HLS_IDLE_MS = 30_000;

/**
 * LL-HLS of a camera's main stream, packaged from its feed as it arrives. The first request claims
 * the feed (a demand-driven feed then resumes with its current GOP, so the first segment is
 * complete by the next keyframe); LL_HLS_IDLE_MS without one releases it.
 */
export function followFeed(feed: CameraFeed, cameraId: string, log: Logger, idleMs = LL_HLS_IDLE_MS): LlHlsPackager {
  const watched = feed.claimWhileUsed('ll-hls', idleMs);
  const packager = new LlHlsPackager({ cameraId, log: log.child({ component: 'll-hls', camera_id: cameraId }), onRequest: () => watched.use() });
  feed.on('accessUnit', (au) => packager.push(au));
  feed.on('sourceRestarted', () => packager.reset());
  feed.on('demand', (wanted) => {
    if (!wanted) packager.forget();
  });
  return packager;
}
