/**
 * One camera's live picture into a <video>: WebRTC (WHEP) first — lowest latency, no transcoding —
 * and HLS when WebRTC is off, refused (viewer slots full) or shows no picture in time. A grid tile
 * of a camera with a sub stream takes its HLS instead: a wall of small tiles should not pull every
 * main stream.
 */
import type { z } from 'zod';
import type { liveUrlsSchema } from '@contract/cameras.ts';
import { request } from '../../api/client.ts';
import { attachHls } from '../../lib/hls.ts';

export type LiveUrls = z.infer<typeof liveUrlsSchema>;
export type Transport = 'webrtc' | 'hls';
export interface StreamEvents {
  onPlaying(transport: Transport): void;
  /** the picture stopped or never came; HLS retries by itself, a failed WebRTC session is for the caller to restart */
  onTrouble(reason: string, transport: Transport | null): void;
}

const ICE_GATHER_MS = 3000;
const FIRST_FRAME_MS = 8000;

/** Resolves at the first decodable frame; rejects after `ms` or when `signal` aborts. */
function firstFrame(video: HTMLVideoElement, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (video.readyState >= 2) return resolve();
    const done = new AbortController();
    const timer = setTimeout(() => { done.abort(); reject(new Error(`no picture within ${ms / 1000} s`)); }, ms);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      done.abort();
      if (err) reject(err);
      else resolve();
    };
    video.addEventListener('loadeddata', () => finish(), { signal: done.signal });
    signal.addEventListener('abort', () => finish(new Error('stopped')), { signal: done.signal });
  });
}

async function iceGathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  // host candidates arrive at once; after the timeout go with what there is
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ICE_GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A WHEP session (non-trickle: the answer carries every candidate); resolves to its stop function. */
async function playWebRtc(video: HTMLVideoElement, whep: string, signal: AbortSignal, events: StreamEvents): Promise<() => void> {
  if (typeof RTCPeerConnection === 'undefined') throw new Error('this browser has no WebRTC');
  const pc = new RTCPeerConnection();
  let session: string | null = null;
  const stop = () => {
    pc.close();
    if (session) void request('DELETE', session).catch(() => undefined);
    session = null;
  };
  try {
    const receiver: RTCRtpReceiver & { jitterBufferTarget?: number | null } = pc.addTransceiver('video', { direction: 'recvonly' }).receiver;
    // a live view shows a frame as soon as it decodes: it is not a call
    if ('jitterBufferTarget' in receiver) receiver.jitterBufferTarget = 0;
    const stream = new Promise<MediaStream>((resolve) => {
      pc.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
    });
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    const answer = await request('POST', whep, { body: new Blob([pc.localDescription?.sdp ?? ''], { type: 'application/sdp' }), signal, headers: { accept: 'application/sdp' } });
    session = new URL(answer.headers.get('location') ?? whep, location.href).pathname;
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
    video.srcObject = await stream;
    void video.play().catch(() => undefined);
    await firstFrame(video, FIRST_FRAME_MS, signal);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') events.onTrouble('WebRTC connection failed', 'webrtc');
    });
    return stop;
  } catch (e) {
    stop();
    video.srcObject = null;
    throw e;
  }
}

/**
 * Starts the live picture; the returned function stops it (WHEP session deleted, hls.js destroyed,
 * nothing left downloading) — for a tile that leaves the screen, or a page that closes.
 */
export function startLive(video: HTMLVideoElement, urls: LiveUrls, o: { preferSub: boolean; events: StreamEvents }): () => void {
  const abort = new AbortController();
  let stop: () => void = () => undefined;
  video.muted = true;
  video.playsInline = true;
  const sub = o.preferSub && urls.hls_sub ? urls.hls_sub : null;
  // low-latency HLS first (~0.8 s behind the camera against ~2 s for 1 s segments)
  const hlsUrl = sub ?? urls.hls_ll ?? urls.hls ?? urls.hls_sub;
  const run = async () => {
    if (urls.webrtc && !sub) {
      try {
        stop = await playWebRtc(video, urls.webrtc.whep, abort.signal, o.events);
        if (abort.signal.aborted) return stop();
        return o.events.onPlaying('webrtc');
      } catch (e) {
        if (abort.signal.aborted || !hlsUrl) throw e;
      }
    }
    if (!hlsUrl) throw new Error('this camera has no live view on this server');
    const hls = await attachHls(video, hlsUrl, { live: true, lowLatency: hlsUrl === urls.hls_ll, onPlaying: () => o.events.onPlaying('hls'), onTrouble: (why) => o.events.onTrouble(why, 'hls') });
    if (abort.signal.aborted) return hls.stop();
    stop = hls.stop;
  };
  run().catch((e: unknown) => {
    if (!abort.signal.aborted) o.events.onTrouble(e instanceof Error ? e.message : String(e), null);
  });
  return () => {
    abort.abort();
    stop();
    video.srcObject = null;
  };
}
