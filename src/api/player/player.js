/* global document, location, window, URLSearchParams */
// Vigil player: /player/<cameraId>[?src=live|vod][&stream=main|sub][&from=&to=][&transport=auto|hls]
// Live tries WebRTC (webrtc.js) first and falls back to HLS when it rejects; VOD is HLS only.
// The page state is on <body data-transport data-state data-webrtc-error> for tests and embedding dashboards.
// hls.min.js (a deferred script before this module) has run by now: deferred and module scripts run in order
import { keepSignedIn } from '/assets/session.js';
import { startWebRtc } from '/assets/webrtc.js';

const video = document.getElementById('video');
const statusLine = document.getElementById('status');
const cameraId = decodeURIComponent(location.pathname.split('/').pop());
const params = new URLSearchParams(location.search);
const cam = encodeURIComponent(cameraId);

function show(state, text) {
  document.body.dataset.state = state;
  statusLine.textContent = `${cameraId}: ${text}`;
}

/** plain: 1 s MPEG-TS segments, what transport=hls asks for; else the main stream's low-latency playlist */
function hlsSource(plain) {
  if (params.get('src') === 'vod') {
    return `/vod/${cam}.m3u8?${new URLSearchParams({ from: params.get('from') ?? '', to: params.get('to') ?? '' })}`;
  }
  if (params.get('stream') === 'sub') return `/live/${cam}/sub/index.m3u8`;
  return plain ? `/live/${cam}/index.m3u8` : `/live/${cam}/ll/index.m3u8`;
}

function playHls(url, live) {
  const lowLatency = live && url.includes('/ll/');
  document.body.dataset.transport = 'hls';
  const Hls = window.Hls;
  if (!Hls?.isSupported()) {
    // Safari plays HLS natively
    video.src = url;
    show('playing', 'HLS (native)');
    return;
  }
  const hls = new Hls({
    lowLatencyMode: lowLatency,
    // low-latency: the playlist's PART-HOLD-BACK decides; 1 s segments: stay ~1.5 s behind the
    // live edge. Both speed up to catch up when further behind.
    liveSyncDuration: live && !lowLatency ? 1.5 : undefined,
    liveMaxLatencyDuration: live && !lowLatency ? 6 : undefined,
    maxLiveSyncPlaybackRate: live ? 1.5 : 1,
    enableWorker: true,
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    show('playing', live ? 'live (HLS)' : 'recording (HLS)');
    video.play().catch(() => show('paused', 'press play'));
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    // the camera may be reconnecting: its playlist returns once ffmpeg runs again
    show('retrying', `${data.details}; retrying`);
    setTimeout(() => hls.loadSource(url), 2000);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
}

async function main() {
  const live = params.get('src') !== 'vod';
  const transport = params.get('transport') ?? 'auto';
  if (live && params.get('stream') !== 'sub' && transport === 'auto') {
    show('connecting', 'connecting (WebRTC)');
    try {
      const session = await startWebRtc(video, `/api/v1/cameras/${cam}/whep`, {
        onEnded: (reason) => {
          document.body.dataset.webrtcError = reason;
          void session.stop();
          video.srcObject = null;
          playHls(hlsSource(false), true);
        },
      });
      document.body.dataset.transport = 'webrtc';
      show('playing', 'live (WebRTC)');
      return;
    } catch (e) {
      document.body.dataset.webrtcError = e?.message ?? String(e);
    }
  }
  playHls(hlsSource(transport === 'hls'), live);
}

keepSignedIn();
main().catch((e) => show('failed', e?.message ?? String(e)));
