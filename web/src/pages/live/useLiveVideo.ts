import { useQuery } from '@tanstack/react-query';
import { type RefObject, useEffect, useState } from 'react';
import { liveUrlsSchema } from '@contract/cameras.ts';
import { api } from '../../api/client.ts';
import { startLive, type Transport } from './stream.ts';

export type LivePhase = 'idle' | 'connecting' | 'playing' | 'trouble';
export interface LiveState { phase: LivePhase; transport: Transport | null; reason: string | null }

/** a failed WebRTC session is retried after this (HLS retries by itself) */
const RESTART_MS = 4000;

/** True while the element is on screen: an off-screen tile streams nothing. */
export function useOnScreen(ref: RefObject<Element | null>): boolean {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver(([entry]) => setVisible(Boolean(entry?.isIntersecting)), { threshold: 0.1 });
    io.observe(el);
    return () => io.disconnect();
  }, [ref]);
  return visible;
}

/** The page's visibility: a hidden tab streams nothing either. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

/** Plays a camera live into `video` while `active`; stops it (nothing downloading) otherwise. */
export function useLiveVideo(video: RefObject<HTMLVideoElement | null>, cameraId: string, o: { active: boolean; preferSub: boolean }): LiveState {
  const urls = useQuery({
    queryKey: ['live-urls', cameraId],
    queryFn: () => api.get(`/api/v1/cameras/${encodeURIComponent(cameraId)}/live`, { schema: liveUrlsSchema }),
    staleTime: Infinity,
  });
  const pageVisible = usePageVisible();
  const [state, setState] = useState<LiveState>({ phase: 'idle', transport: null, reason: null });
  const [attempt, setAttempt] = useState(0);
  const active = o.active && pageVisible;

  useEffect(() => {
    const el = video.current;
    if (!el || !urls.data || !active) {
      setState({ phase: 'idle', transport: null, reason: null });
      return;
    }
    setState({ phase: 'connecting', transport: null, reason: null });
    let restart: ReturnType<typeof setTimeout> | undefined;
    const stop = startLive(el, urls.data, {
      preferSub: o.preferSub,
      events: {
        onPlaying: (transport) => setState({ phase: 'playing', transport, reason: null }),
        onTrouble: (reason, transport) => {
          setState({ phase: 'trouble', transport, reason });
          if (transport !== 'hls') restart = setTimeout(() => setAttempt((n) => n + 1), RESTART_MS);
        },
      },
    });
    return () => {
      clearTimeout(restart);
      stop();
    };
  }, [video, urls.data, active, o.preferSub, attempt]);

  if (urls.error) return { phase: 'trouble', transport: null, reason: urls.error.message };
  return state;
}
