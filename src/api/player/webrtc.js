/* global RTCPeerConnection, MediaStream, fetch, location */
/**
 * Low-latency live view over WebRTC (WHEP, non-trickle), for the player page. startWebRtc rejects
 * when anything fails (no WebRTC, HTTP error, ICE failure, no picture in time) so that the page can
 * fall back to HLS; once resolved, `onEnded` fires if the connection fails later.
 */

import { csrfHeader } from '/assets/session.js';

const GATHER_TIMEOUT_MS = 3000;
const FIRST_FRAME_TIMEOUT_MS = 8000;

/**
 * @param {HTMLVideoElement} video
 * @param {string} whepUrl e.g. /api/v1/cameras/cam_001/whep
 * @param {{ onEnded?: (reason: string) => void }} [opts]
 * @returns {Promise<{ pc: RTCPeerConnection, sessionUrl: string, stop: () => Promise<void> }>}
 */
export async function startWebRtc(video, whepUrl, opts = {}) {
  if (typeof RTCPeerConnection === 'undefined') throw new Error('this browser has no WebRTC');
  const pc = new RTCPeerConnection();
  let sessionUrl = '';
  const stop = async () => {
    pc.close();
    if (sessionUrl) await fetch(sessionUrl, { method: 'DELETE', headers: csrfHeader() }).catch(() => undefined);
  };
  try {
    const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
    // play as soon as a frame is decodable: this is a live view, not a call
    if ('jitterBufferTarget' in transceiver.receiver) transceiver.receiver.jitterBufferTarget = 0;
    const stream = new Promise((resolve) => {
      pc.ontrack = (event) => resolve(event.streams[0] ?? new MediaStream([event.track]));
    });
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc);

    const response = await fetch(whepUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...csrfHeader() }, body: pc.localDescription.sdp });
    if (response.status !== 201) throw new Error(`WHEP ${response.status}: ${await reason(response)}`);
    sessionUrl = new URL(response.headers.get('Location') ?? '', new URL(whepUrl, location.href)).href;
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });

    video.muted = true;
    video.playsInline = true;
    video.srcObject = await stream;
    await firstFrame(video, pc);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') opts.onEnded?.(`WebRTC ${pc.connectionState}`);
    });
    return { pc, sessionUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function iceGatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    // host candidates come at once; after the timeout go with what there is
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

function firstFrame(video, pc) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no picture within ${FIRST_FRAME_TIMEOUT_MS / 1000} s`)), FIRST_FRAME_TIMEOUT_MS);
    const done = (fn) => (arg) => {
      clearTimeout(timer);
      fn(arg);
    };
    video.addEventListener('loadeddata', done(resolve), { once: true });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') done(reject)(new Error('WebRTC connection failed'));
    });
    video.play().catch(() => undefined);
  });
}

async function reason(response) {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text).message ?? text;
  } catch {
    return text || response.statusText;
  }
}
