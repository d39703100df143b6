/**
 * HLS into a <video> with hls.js (Safari plays HLS natively), for live views and recordings.
 * hls.js is loaded on first use only: a page that plays over WebRTC never downloads it.
 */
import type Hls from 'hls.js';
import type { LevelLoadedData } from 'hls.js';

const RETRY_MS = 3000;

let module: Promise<typeof Hls> | null = null;
const loadHls = () => (module ??= import('hls.js/light').then((m) => m.default));

export interface HlsOptions {
  live: boolean;
  /** a low-latency HLS playlist (parts, blocking reload): play at its part hold-back instead of a segment behind */
  lowLatency?: boolean;
  onPlaying?: () => void;
  /** a fatal error; live is retried (a camera that reconnects has its playlist back once its ffmpeg runs again) */
  onTrouble?: (reason: string, status: number | null) => void;
  /** the playlist is loaded: where a recording's fragments are in wall-clock time */
  onLoaded?: (hls: Hls, data: LevelLoadedData) => void;
}

export interface HlsPlayback {
  /** null where the browser plays HLS itself */
  hls: Hls | null;
  stop(): void;
}

export async function attachHls(video: HTMLVideoElement, url: string, o: HlsOptions): Promise<HlsPlayback> {
  const HlsClass = await loadHls();
  const listeners = new AbortController();
  video.addEventListener('playing', () => o.onPlaying?.(), { signal: listeners.signal });
  if (!HlsClass.isSupported()) {
    video.src = url;
    void video.play().catch(() => undefined);
    return { hls: null, stop: () => { listeners.abort(); video.removeAttribute('src'); video.load(); } };
  }
  const hls = new HlsClass(!o.live ? {} : o.lowLatency
    // the playlist's PART-HOLD-BACK (3 parts, 0.6 s) decides how far behind the edge
    ? { lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5 }
    // 1 s live segments: stay ~1.5 s behind the edge, catch up faster when further behind
    : { lowLatencyMode: false, liveSyncDuration: 1.5, liveMaxLatencyDuration: 6, maxLiveSyncPlaybackRate: 1.5 });
  let retry: ReturnType<typeof setTimeout> | undefined;
  hls.on(HlsClass.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  hls.on(HlsClass.Events.LEVEL_LOADED, (_e, data) => o.onLoaded?.(hls, data));
  hls.on(HlsClass.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
    const status = data.response?.code ?? null;
    o.onTrouble?.(status === 404 ? 'no video there' : data.details, status);
    if (!o.live) return;
    clearTimeout(retry);
    retry = setTimeout(() => hls.loadSource(url), RETRY_MS);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return { hls, stop: () => { listeners.abort(); clearTimeout(retry); hls.destroy(); } };
}
