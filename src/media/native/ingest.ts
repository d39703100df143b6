/**
 * The main thread's handle on a camera's native ingest thread (see ingest-thread.ts): connect,
 * disconnect, and the thread's messages as events. The thread lives as long as its camera worker;
 * each connect is one RTSP session.
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/start-worker.ts';
import type { SegmentClosed, SegmentOpened } from '../camera-worker.ts';
import type { Failure } from '../failure.ts';
import type { SourceCodec } from '../webrtc/source-sdp.ts';
import type { IngestSetup, ThreadMessage, ToThread } from './protocol.ts';
import { unbatch } from './rtp-batch.ts';

export interface NativeIngestEvents {
  track: [SourceCodec];
  rtp: [Buffer];
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

export class NativeIngest extends EventEmitter<NativeIngestEvents> {
  private thread: Worker | null = null;
  private connected = false;

  constructor(private readonly setup: IngestSetup) {
    super();
  }

  connect(): void {
    this.connected = true;
    this.ensureThread().postMessage({ type: 'connect' } satisfies ToThread);
  }

  disconnect(): void {
    this.thread?.postMessage({ type: 'disconnect' } satisfies ToThread);
  }

  /** Ends the thread (a session still open ends as crashed); resolves once it is gone. */
  async terminate(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    await thread.terminate();
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = startWorker(THREAD_URL, this.setup);
    thread.on('message', (m: ThreadMessage) => this.onMessage(m));
    // a failing thread ends its session like any other failure: the worker backs off and reconnects in a new one
    thread.on('error', (err) => this.lost(thread, `the ingest thread failed: ${err.message}`));
    thread.on('exit', (code) => this.lost(thread, `the ingest thread exited (code ${code})`));
    this.thread = thread;
    return thread;
  }

  private lost(thread: Worker, cause: string): void {
    if (this.thread !== thread) return;
    this.thread = null;
    if (!this.connected) return;
    this.connected = false;
    this.emit('close', { kind: 'crashed', cause });
  }

  private onMessage(m: ThreadMessage): void {
    switch (m.type) {
      case 'packets':
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
