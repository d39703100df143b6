import { describe, expect, it, vi } from 'vitest';
import type { CameraStatus } from '../../core/camera-status.ts';
import { rootLogger } from '../../core/log.ts';
import { AlertFeed, CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, type AlertChange, type AlertChangeSource, type FeedSocket } from './alert-feed.ts';

class FakeSource implements AlertChangeSource {
  readonly changes: AlertChange[] = [];
  queries = 0;
  fail = false;
  private gate?: Promise<void>;

  /** The next query reads the store now but answers only on release: a slow query overtaken by others. */
  holdNext(): () => void {
    let release = () => {};
    this.gate = new Promise((r) => { release = r; });
    return release;
  }

  add(n: number, cameraId = 'cam_001'): void {
    for (let i = 0; i < n; i++) {
      const seq = this.changes.length + 1;
      this.changes.push({ seq, change: 'new', alert: { id: seq, camera_id: cameraId } });
    }
  }

  async changesSince(seq: number, limit: number): Promise<AlertChange[]> {
    this.queries++;
    if (this.fail) throw new Error('store down');
    const result = this.changes.filter((c) => c.seq > seq).slice(0, limit);
    const gate = this.gate;
    this.gate = undefined;
    if (gate) await gate;
    return result;
  }

  async latestChangeSeq(): Promise<number> {
    return this.changes.at(-1)?.seq ?? 0;
  }
}

class FakeSocket implements FeedSocket {
  readonly frames: Record<string, unknown>[] = [];
  bufferedAmount = 0;
  closed?: { code: number; reason: string };
  send(text: string): void {
    this.frames.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  alertSeqs(): number[] {
    return this.frames.filter((f) => f.type === 'alert').map((f) => f.seq as number);
  }
}

const status = (over: Partial<CameraStatus> = {}): CameraStatus => ({
  state: 'streaming', connected: true, lastFrameAt: null, lastSegmentAt: null, reconnects: 0, currentBackoffMs: 0, lastError: null, sourceFps: 25, analysisFps: 1, bitrateKbps: 2000, ...over,
});

function setup(opts: { pageSize?: number; maxBufferedBytes?: number; statuses?: Map<string, CameraStatus> } = {}) {
  const source = new FakeSource();
  const statuses = opts.statuses ?? new Map<string, CameraStatus>();
  const feed = new AlertFeed({
    source, cameraIds: () => ['cam_001', 'cam_002'], status: (id) => statuses.get(id), log: rootLogger,
    pageSize: opts.pageSize ?? 3, maxBufferedBytes: opts.maxBufferedBytes ?? 1000,
  });
  const connect = async (since?: number, cameras: readonly string[] | null = null) => {
    const socket = new FakeSocket();
    const detach = feed.attach(socket, await feed.head(), since, cameras);
    return { socket, detach };
  };
  return { source, statuses, feed, connect };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('AlertFeed', () => {
  it('says hello with the latest seq, then replays every change after since in seq order, page by page', async () => {
    const { source, connect } = setup({ pageSize: 3 });
    source.add(10);
    const { socket } = await connect(2);
    await vi.waitFor(() => expect(socket.alertSeqs()).toEqual(range(3, 10)));
    expect(socket.frames[0]).toEqual({ type: 'hello', seq: 10 });
    expect(socket.frames[1]).toMatchObject({ type: 'alert', seq: 3, change: 'new', alert: { id: 3 } });
    // 8 changes in pages of 3, and the short page that proves it caught up
    expect(source.queries).toBe(3);
  });

  it('a client scoped to one camera gets only its alerts and status, replayed and live, and resumes past the others', async () => {
    const statuses = new Map([['cam_001', status()], ['cam_002', status({ state: 'backoff', connected: false })]]);
    const { source, feed, connect } = setup({ pageSize: 2, statuses });
    source.add(2, 'cam_001');
    source.add(2, 'cam_002');
    const { socket } = await connect(0, ['cam_002']);
    await vi.waitFor(() => expect(socket.alertSeqs()).toEqual([3, 4]));
    source.add(1, 'cam_001');
    source.add(1, 'cam_002');
    await feed.tick();
    expect(socket.alertSeqs()).toEqual([3, 4, 6]);
    const statusFrames = () => socket.frames.filter((f) => f.type === 'camera_status').map((f) => f.camera_id);
    expect(new Set(statusFrames())).toEqual(new Set(['cam_002']));
    expect(socket.frames.filter((f) => f.type === 'alert').every((f) => (f.alert as { camera_id: string }).camera_id === 'cam_002')).toBe(true);
    // the camera it may not see changes state: nothing is sent
    const before = statusFrames().length;
    statuses.set('cam_001', status({ state: 'backoff', connected: false, reconnects: 1 }));
    await feed.tick();
    expect(statusFrames()).toHaveLength(before);
  });

  it('without since a client gets only what is committed after it connected', async () => {
    const { source, feed, connect } = setup();
    source.add(4);
    const { socket } = await connect();
    source.add(2);
    await feed.tick();
    expect(socket.frames[0]).toEqual({ type: 'hello', seq: 4 });
    expect(socket.alertSeqs()).toEqual([5, 6]);
  });

  it('a resumed client gets exactly the changes it missed, then live ones', async () => {
    const { source, feed, connect } = setup({ pageSize: 2 });
    source.add(3);
    const first = await connect();
    source.add(2);
    await feed.tick();
    expect(first.socket.alertSeqs()).toEqual([4, 5]);
    first.detach();
    source.add(4); // 6..9 happen while the client is away
    const again = await connect(5);
    await vi.waitFor(() => expect(again.socket.alertSeqs()).toEqual([6, 7, 8, 9]));
    source.add(1);
    await feed.tick();
    expect(again.socket.alertSeqs()).toEqual([6, 7, 8, 9, 10]);
  });

  it('a replay overtaken by the live poll reads on until it meets it (no gap)', async () => {
    const { source, feed, connect } = setup({ pageSize: 10 });
    source.add(3);
    const live = await connect();
    const release = source.holdNext();
    const resumed = await connect(1); // its replay read 2..3, then stalls
    source.add(2);
    await feed.tick(); // 4, 5 go to live clients only: the resumed one is still replaying
    expect(live.socket.alertSeqs()).toEqual([4, 5]);
    release();
    await vi.waitFor(() => expect(resumed.socket.alertSeqs()).toEqual([2, 3, 4, 5]));
    source.add(1);
    await feed.tick();
    expect(resumed.socket.alertSeqs()).toEqual([2, 3, 4, 5, 6]);
  });

  it('a change both replayed and polled reaches the client once', async () => {
    const { source, feed, connect } = setup({ pageSize: 10 });
    source.add(3);
    await connect();
    source.add(1);
    const release = source.holdNext();
    const poll = feed.tick(); // reads 4, answers late
    const resumed = await connect(1); // replays 2..4 and goes live at 4
    await vi.waitFor(() => expect(resumed.socket.alertSeqs()).toEqual([2, 3, 4]));
    release();
    await poll;
    expect(resumed.socket.alertSeqs()).toEqual([2, 3, 4]);
  });

  it('one query per poll whatever the number of clients, none while nobody listens', async () => {
    const { source, feed, connect } = setup();
    await feed.tick();
    expect(source.queries).toBe(0);
    const clients = await Promise.all([connect(), connect(), connect()]);
    source.add(2);
    await feed.tick();
    expect(source.queries).toBe(1);
    for (const c of clients) expect(c.socket.alertSeqs()).toEqual([1, 2]);
  });

  it('closes a client whose unsent data exceeds the limit, telling it where to resume', async () => {
    const { source, feed, connect } = setup({ maxBufferedBytes: 1000 });
    const slow = await connect();
    const fast = await connect();
    source.add(1);
    await feed.tick();
    slow.socket.bufferedAmount = 5000;
    source.add(1);
    await feed.tick();
    expect(slow.socket.closed).toEqual({ code: CLOSE_TOO_SLOW, reason: 'too slow: over 1 KiB unsent; reconnect with since=2' });
    source.add(1);
    await feed.tick();
    expect(slow.socket.alertSeqs()).toEqual([1, 2]);
    expect(fast.socket.alertSeqs()).toEqual([1, 2, 3]);
    expect(feed.size).toBe(1);
  });

  it('a replay waits for a slow reader instead of flooding it', async () => {
    const { source, feed } = setup({ pageSize: 2, maxBufferedBytes: 1000 });
    source.add(6);
    const socket = new FakeSocket();
    socket.bufferedAmount = 800; // over half the limit: the replay must hold back
    feed.attach(socket, 6, 0);
    await new Promise((r) => setTimeout(r, 120));
    expect(socket.alertSeqs()).toEqual([]);
    socket.bufferedAmount = 0;
    await vi.waitFor(() => expect(socket.alertSeqs()).toEqual(range(1, 6)));
    expect(socket.closed).toBeUndefined();
  });

  it('pushes camera status changes, not fps jitter; new clients get the current state after hello', async () => {
    const statuses = new Map([['cam_001', status()]]);
    const { feed, connect } = setup({ statuses });
    const { socket } = await connect();
    expect(socket.frames[1]).toEqual({
      type: 'camera_status', camera_id: 'cam_001',
      status: { state: 'streaming', connected: true, source_fps: 25, analysis_fps: 1, bitrate_kbps: 2000, reconnects: 0, last_frame_at: null, last_error: null },
    });
    await feed.tick();
    const before = socket.frames.length;
    statuses.set('cam_001', status({ analysisFps: 0.9 }));
    await feed.tick();
    expect(socket.frames.length).toBe(before);
    statuses.set('cam_001', status({ state: 'backoff', connected: false, analysisFps: 0, lastError: 'connection refused' }));
    statuses.set('cam_002', status({ state: 'starting', connected: false }));
    await feed.tick();
    expect(socket.frames.slice(before)).toMatchObject([
      { type: 'camera_status', camera_id: 'cam_001', status: { state: 'backoff', connected: false, last_error: 'connection refused' } },
      { type: 'camera_status', camera_id: 'cam_002', status: { state: 'starting' } },
    ]);
  });

  it('a failing store delays delivery without losing anything', async () => {
    const { source, feed, connect } = setup();
    const { socket } = await connect();
    source.add(2);
    source.fail = true;
    await feed.tick();
    expect(socket.alertSeqs()).toEqual([]);
    source.fail = false;
    await feed.tick();
    expect(socket.alertSeqs()).toEqual([1, 2]);
  });

  it('stop closes every client with the seq to resume from', async () => {
    const { source, feed, connect } = setup();
    source.add(3);
    const { socket } = await connect();
    feed.stop();
    expect(socket.closed).toEqual({ code: CLOSE_GOING_AWAY, reason: 'server shutting down; reconnect with since=3' });
    expect(feed.size).toBe(0);
  });
});
