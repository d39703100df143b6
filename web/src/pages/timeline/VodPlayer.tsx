import type Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import type { LevelLoadedData } from 'hls.js';
import { attachHls } from '../../lib/hls.ts';
import { formatDateTime } from '../../lib/time.ts';
import css from './Timeline.module.css';

/** How much recording one playlist covers from the point asked; at its end the next one is loaded. */
const WINDOW_MS = 3600_000;

export interface Seek { at: Date; nonce: number }

/** Where `at` is in the playlist's own time (fragments carry their wall-clock start). */
function positionOf(data: LevelLoadedData, at: number): number {
  const frags = data.details.fragments;
  for (const f of frags) {
    const start = f.programDateTime;
    if (start === null) continue;
    if (at < start) return f.start; // in a hole: the next recorded moment
    if (at < start + f.duration * 1000) return f.start + (at - start) / 1000;
  }
  return frags[0]?.start ?? 0;
}

/**
 * Plays the recording from a moment of the day (HLS VOD of the recorded segments, whose fragments
 * carry their wall-clock time) and reports the wall-clock time it is showing.
 */
export function VodPlayer({ cameraId, cameraName, seek, until, timezone, onPlayhead, onEnd }: {
  cameraId: string; cameraName: string; seek: Seek | null;
  /** the end of the day shown (ms): a playlist never reaches past it */
  until: number; timezone: string;
  onPlayhead: (at: Date) => void;
  /** the playlist ran out at `at` (its window, or the recording before a gap): the caller loads from there */
  onEnd: (at: Date) => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState('Pick a moment on the timeline to play the recording.');
  const [showing, setShowing] = useState<Date | null>(null);
  const report = useRef({ onPlayhead, onEnd });
  report.current = { onPlayhead, onEnd };

  useEffect(() => {
    const el = video.current;
    if (!el || !seek) return;
    const from = seek.at;
    const to = new Date(Math.min(from.getTime() + WINDOW_MS, until));
    if (to <= from) return;
    let hls: Hls | null = null;
    let stop = () => undefined as void;
    let cancelled = false;
    setStatus(`Loading the recording at ${formatDateTime(from, timezone)}…`);
    const url = `/vod/${encodeURIComponent(cameraId)}.m3u8?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`;
    const onTime = () => {
      const at = hls?.playingDate;
      if (!at) return;
      setShowing(at);
      report.current.onPlayhead(at);
    };
    const onEnded = () => {
      const at = hls?.playingDate;
      if (at && at.getTime() < until) report.current.onEnd(at);
    };
    el.addEventListener('timeupdate', onTime);
    el.addEventListener('ended', onEnded);
    void attachHls(el, url, {
      live: false,
      onLoaded: (_hls, data) => {
        el.currentTime = positionOf(data, from.getTime());
      },
      onPlaying: () => setStatus('Playing the recording'),
      onTrouble: (why, code) => setStatus(code === 404 ? `Nothing recorded from ${formatDateTime(from, timezone)} on this day.` : `The recording cannot be played: ${why}`),
    }).then((p) => {
      if (cancelled) return p.stop();
      hls = p.hls;
      stop = p.stop;
    });
    return () => {
      cancelled = true;
      el.removeEventListener('timeupdate', onTime);
      el.removeEventListener('ended', onEnded);
      stop();
    };
  }, [cameraId, seek, until, timezone]);

  return (
    <div className={css.player}>
      <video ref={video} className={css.video} controls muted playsInline aria-label={`Recording of ${cameraName}`} data-showing={showing?.toISOString() ?? ''} />
      <p role="status" className={css.status}>{showing ? `${status} · showing ${formatDateTime(showing, timezone)}` : status}</p>
    </div>
  );
}
