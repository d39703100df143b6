import type { CameraStatus, CameraStatusSource } from '../../core/camera-status.ts';
import type { Logger } from '../../core/log.ts';

/** One committed change of an alert (table alert_changes), with the alert as the API returns it. */
export interface AlertChange {
  seq: number;
  change: string;
  /** the alert as the API returns it; its camera decides who may see the change */
  alert: { camera_id: string; [field: string]: unknown };
}

/** The part of the alerts repository the feed reads. */
export interface AlertChangeSource {
  /** changes with seq > `seq`, ascending, at most `limit` */
  changesSince(seq: number, limit: number): Promise<AlertChange[]>;
  /** highest seq committed (0 when none) */
  latestChangeSeq(): Promise<number>;
}

/** What the feed needs of a WebSocket (kept narrow so the feed is tested without sockets). */
export interface FeedSocket {
  send(text: string): void;
  /** bytes queued but not yet written to the network */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
}

export type FeedFrame =
  | { type: 'hello'; seq: number }
  | { type: 'alert'; seq: number; change: string; alert: AlertChange['alert'] }
  | { type: 'camera_status'; camera_id: string; status: PublicCameraStatus };

/** What a client sees of a camera: no URL, the error already redacted by the worker. */
export interface PublicCameraStatus {
  state: CameraStatus['state'];
  connected: boolean;
  source_fps: number | null;
  analysis_fps: number;
  bitrate_kbps: number;
  reconnects: number;
  last_frame_at: string | null;
  last_error: string | null;
}

export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_SERVER_ERROR = 1011;
export const CLOSE_GOING_AWAY = 1001;

export interface AlertFeedOptions {
  source: AlertChangeSource;
  /** read at each use: cameras come and go while clients are connected */
  cameraIds: () => readonly string[];
  status: CameraStatusSource;
  /** a client with more unsent bytes than this is closed; it resumes with since */
  maxBufferedBytes: number;
  log: Logger;
  /** how often the store is asked for new changes (one query per tick for all clients) */
  pollMs?: number;
  /** changes read per query, for replay and for the live poll */
  pageSize?: number;
}

interface Subscriber {
  socket: FeedSocket;
  /** highest seq sent to this client */
  cursor: number;
  /** false while its replay runs: live changes reach it through the replay instead */
  live: boolean;
  closed: boolean;
  /** the cameras whose alerts and status this client may see; null = every camera */
  cameras: readonly string[] | null;
}

const REPLAY_WAIT_MS = 50;

/**
 * Fans committed alert changes out to every connected client. Clients resume from the last seq
 * they saw: the replay reads the store from there until it meets the live poll, so a dropped
 * connection loses nothing; the seq on every frame lets clients drop the rare duplicate.
 * This relies on seq order being commit order, which the alerts repository guarantees (its writers
 * serialise on one lock). Camera status changes are pushed as they happen (they have no history).
 */
export class AlertFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly cameraSeen = new Map<string, string>();
  private readonly pollMs: number;
  private readonly pageSize: number;
  /** highest seq the live poll has read */
  private polledSeq = 0;
  private polling = false;
  private pollFailing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AlertFeedOptions) {
    this.pollMs = opts.pollMs ?? 250;
    this.pageSize = opts.pageSize ?? 200;
  }

  get size(): number {
    return this.subscribers.size;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.pollMs);
  }

  /** Stops polling and closes every client, telling it where to resume. */
  stop(reason = 'server shutting down'): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const sub of [...this.subscribers]) this.drop(sub, CLOSE_GOING_AWAY, `${reason}; reconnect with since=${sub.cursor}`);
  }

  /** The latest committed seq: the hello of a new client, and the bound a `since` must not exceed. */
  head(): Promise<number> {
    return this.opts.source.latestChangeSeq();
  }

  /**
   * Adds a client that has been told nothing yet. `head` comes from `head()` just before;
   * with `since` the client first gets every change after it. A client scoped to `cameras` gets
   * only their alerts and status frames (its seq still advances past the others, so resuming works).
   * Returns the function to call when the socket closes.
   */
  attach(socket: FeedSocket, head: number, since?: number, cameras: readonly string[] | null = null): () => void {
    // While nobody listens the poll sleeps; it restarts at the head rather than replaying the gap to no one.
    if (this.subscribers.size === 0) this.polledSeq = Math.max(this.polledSeq, head);
    const sub: Subscriber = { socket, cursor: since ?? head, live: since === undefined || since >= this.polledSeq, closed: false, cameras };
    this.subscribers.add(sub);
    this.send(sub, { type: 'hello', seq: head });
    for (const id of this.opts.cameraIds()) {
      const s = this.opts.status(id);
      if (s && sees(sub, id)) this.send(sub, cameraFrame(id, s));
    }
    if (!sub.live) void this.replay(sub);
    return () => {
      sub.closed = true;
      this.subscribers.delete(sub);
    };
  }

  /** One poll: camera status changes, then every alert change committed since the last poll. */
  async tick(): Promise<void> {
    this.pushCameraChanges();
    if (this.polling || this.subscribers.size === 0) return;
    this.polling = true;
    try {
      for (;;) {
        const page = await this.opts.source.changesSince(this.polledSeq, this.pageSize);
        for (const c of page) {
          this.polledSeq = Math.max(this.polledSeq, c.seq);
          for (const sub of this.subscribers) if (sub.live) this.deliver(sub, c);
        }
        if (page.length < this.pageSize) break;
      }
      if (this.pollFailing) this.opts.log.info('alert changes readable again');
      this.pollFailing = false;
    } catch (err) {
      // Clients keep their cursor: the next successful poll delivers what this one could not read.
      if (!this.pollFailing) this.opts.log.warn({ err }, 'cannot read alert changes; retrying every poll');
      this.pollFailing = true;
    } finally {
      this.polling = false;
    }
  }

  private async replay(sub: Subscriber): Promise<void> {
    try {
      while (!sub.closed) {
        await this.roomFor(sub);
        if (sub.closed) return;
        const page = await this.opts.source.changesSince(sub.cursor, this.pageSize);
        for (const c of page) if (!sub.closed) this.deliver(sub, c);
        // Caught up with both the store and the live poll: from here the poll delivers (no await in between).
        if (page.length < this.pageSize && sub.cursor >= this.polledSeq) {
          sub.live = true;
          return;
        }
      }
    } catch (err) {
      this.opts.log.warn({ err, since: sub.cursor }, 'alert replay failed; client closed so it can resume');
      this.drop(sub, CLOSE_SERVER_ERROR, `cannot read alert changes; reconnect with since=${sub.cursor}`);
    }
  }

  /** The replay sends a page only when the client has taken most of the previous one. */
  private async roomFor(sub: Subscriber): Promise<void> {
    while (!sub.closed && sub.socket.bufferedAmount > this.opts.maxBufferedBytes / 2) {
      await new Promise((r) => setTimeout(r, REPLAY_WAIT_MS));
    }
  }

  private deliver(sub: Subscriber, c: AlertChange): void {
    if (c.seq <= sub.cursor) return;
    sub.cursor = c.seq;
    if (sees(sub, c.alert.camera_id)) this.send(sub, { type: 'alert', seq: c.seq, change: c.change, alert: c.alert });
  }

  private send(sub: Subscriber, frame: FeedFrame): void {
    if (sub.closed) return;
    sub.socket.send(JSON.stringify(frame));
    if (sub.socket.bufferedAmount > this.opts.maxBufferedBytes) {
      const kb = Math.round(this.opts.maxBufferedBytes / 1024);
      this.opts.log.info({ cursor: sub.cursor }, `WebSocket client too slow (over ${kb} KiB unsent): closed`);
      this.drop(sub, CLOSE_TOO_SLOW, `too slow: over ${kb} KiB unsent; reconnect with since=${sub.cursor}`);
    }
  }

  private drop(sub: Subscriber, code: number, reason: string): void {
    sub.closed = true;
    this.subscribers.delete(sub);
    sub.socket.close(code, reason);
  }

  private pushCameraChanges(): void {
    for (const id of this.opts.cameraIds()) {
      const s = this.opts.status(id);
      if (!s) continue;
      // fps, bitrate and frame times move all the time: only a change of state is news
      const key = `${s.state}|${s.connected}|${s.reconnects}|${s.lastError ?? ''}`;
      if (this.cameraSeen.get(id) === key) continue;
      this.cameraSeen.set(id, key);
      const frame = cameraFrame(id, s);
      for (const sub of this.subscribers) if (sees(sub, id)) this.send(sub, frame);
    }
  }
}

const sees = (sub: Subscriber, cameraId: string): boolean => sub.cameras === null || sub.cameras.includes(cameraId);

function cameraFrame(cameraId: string, s: CameraStatus): FeedFrame {
  return {
    type: 'camera_status', camera_id: cameraId,
    status: { state: s.state, connected: s.connected, source_fps: s.sourceFps, analysis_fps: s.analysisFps, bitrate_kbps: s.bitrateKbps, reconnects: s.reconnects, last_frame_at: s.lastFrameAt, last_error: s.lastError },
  };
}
