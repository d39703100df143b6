/**
 * A camera worker's handle on the native ingest thread (see ingest-thread.ts) that all cameras
 * of this process share: connect, disconnect, whether this camera's packets are wanted here, and
 * the thread's messages for this camera as events. The thread starts with the first camera and
 * ends with the last.
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/start-worker.ts';
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import type { Failure } from '../failure.ts';
import type { SourceCodec } from '../webrtc/source-sdp.ts';
import type { CameraMessage, IngestSetup, ThreadMessage, ToThread } from './protocol.ts';
import { unbatch } from './rtp-batch.ts';
import type { StreamStats } from './stream-stats.ts';

export interface NativeIngestEvents {
  track: [SourceCodec];
  /** the packets that follow start again after a pause (see setDemand), with the current GOP when there is one */
  resumed: [];
  rtp: [Buffer];
  /** the stream's health, about once a second while frames arrive */
  stats: [StreamStats];
  segmentOpened: [SegmentOpened];
  segment: [SegmentClosed];
  segmentDiscarded: [{ cameraId: string; path: string }];
  storageFailure: [Failure];
  storageRecovered: [];
  /** the session ended: its Failure, or null when disconnect() ended it */
  close: [Failure | null];
}

const THREAD_URL = new URL(`./ingest-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
const toBuffer = (b: Uint8Array | undefined): Buffer | undefined => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : undefined);

/** The shared thread and the camera workers using it, by key. */
let shared: { thread: Worker; handles: Map<string, NativeIngest> } | null = null;

function sharedThread(): NonNullable<typeof shared> {
  if (shared) return shared;
  const thread = startWorker(THREAD_URL, null);
  const s = { thread, handles: new Map<string, NativeIngest>() };
  thread.on('message', (m: ThreadMessage) => s.handles.get(m.key)?.receive(m));
  // a failing thread ends every session in it like any other failure: each worker backs off and reconnects in a new thread
  const lost = (cause: string): void => {
    if (shared !== s) return;
    shared = null;
    for (const handle of s.handles.values()) handle.lost(cause);
  };
  thread.on('error', (err) => lost(`the ingest thread failed: ${err.message}`));
  thread.on('exit', (code) => lost(`the ingest thread exited (code ${code})`));
  // cameras that are not connected do not keep the process alive
  thread.unref();
  shared = s;
  return s;
}

let handles = 0;

export class NativeIngest extends EventEmitter<NativeIngestEvents> {
  private connected = false;
  private wanted = false;
  private readonly key: string;

  constructor(private readonly setup: IngestSetup) {
    super();
    this.key = `${setup.cameraId}#${++handles}`;
  }

  connect(): void {
    const s = sharedThread();
    s.handles.set(this.key, this);
    this.connected = true;
    s.thread.postMessage({ type: 'connect', key: this.key, setup: this.setup, wanted: this.wanted } satisfies ToThread);
  }

  /** Whether this camera's packets are wanted here now: the thread sends them ('rtp') only then. */
  setDemand(wanted: boolean): void {
    if (wanted === this.wanted) return;
    this.wanted = wanted;
    // not connected: the next connect carries it
    if (this.connected) shared?.thread.postMessage({ type: 'demand', key: this.key, wanted } satisfies ToThread);
  }

  disconnect(): void {
    shared?.thread.postMessage({ type: 'disconnect', key: this.key } satisfies ToThread);
  }

  /** This camera leaves the thread (a session still open there is closed, and ends here as crashed); the last camera out ends the thread. */
  async terminate(): Promise<void> {
    const s = shared;
    if (!s?.handles.has(this.key)) return;
    this.disconnect();
    this.lost('the ingest thread was ended');
    s.handles.delete(this.key);
    if (s.handles.size > 0) return;
    shared = null;
    await s.thread.terminate();
  }

  /** @internal the thread is gone */
  lost(cause: string): void {
    if (!this.connected) return;
    this.connected = false;
    this.emit('close', { kind: 'crashed', cause });
  }

  /** @internal a message of the thread for this camera */
  receive(m: CameraMessage): void {
    switch (m.type) {
      case 'packets':
        if (m.resumed) this.emit('resumed');
        for (const packet of unbatch(m.data, m.length)) this.emit('rtp', packet);
        return;
      case 'track':
        // structured cloning turns Buffers into plain Uint8Arrays
        this.emit('track', { ...m.value, sps: toBuffer(m.value.sps), pps: toBuffer(m.value.pps) });
        return;
      case 'close':
        this.connected = false;
        this.emit('close', m.value);
        return;
      case 'storageRecovered':
        this.emit('storageRecovered');
        return;
      default:
        (this.emit as (e: string, v: unknown) => boolean)(m.type, m.value);
    }
  }
}
