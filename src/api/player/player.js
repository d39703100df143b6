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

function hlsSource() {
  if (params.get('src') === 'vod') {
    return `/vod/${cam}.m3u8?${new URLSearchParams({ from: params.get('from') ?? '', to: params.get('to') ?? '' })}`;
  }
  return params.get('stream') === 'sub' ? `/live/${cam}/sub/index.m3u8` : `/live/${cam}/index.m3u8`;
}

function playHls(url, live) {
  document.body.dataset.transport = 'hls';
  const Hls = window.Hls;
  if (!Hls?.isSupported()) {
    // Safari plays HLS natively
    video.src = url;
    show('playing', 'HLS (native)');
    return;
  }
  const hls = new Hls({
    lowLatencyMode: true,
    // 1 s segments: stay ~1.5 s behind the live edge, speed up to catch up when further behind
    liveSyncDuration: live ? 1.5 : undefined,
    liveMaxLatencyDuration: live ? 6 : undefined,
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
  if (live && params.get('stream') !== 'sub' && params.get('transport') !== 'hls') {
    show('connecting', 'connecting (WebRTC)');
    try {
      const session = await startWebRtc(video, `/api/v1/cameras/${cam}/whep`, {
        onEnded: (reason) => {
          document.body.dataset.webrtcError = reason;
          void session.stop();
          video.srcObject = null;
          playHls(hlsSource(), true);
        },
      });
      document.body.dataset.transport = 'webrtc';
      show('playing', 'live (WebRTC)');
      return;
    } catch (e) {
      document.body.dataset.webrtcError = e?.message ?? String(e);
    }
  }
  playHls(hlsSource(), live);
}

keepSignedIn();
main().catch((e) => show('failed', e?.message ?? String(e)));
