import { TriangleAlert } from 'lucide-react';
import { useRef } from 'react';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { publicCameraSchema } from '@contract/cameras.ts';
import { formatTime } from '../../lib/time.ts';
import css from './Live.module.css';
import { useLiveVideo, useOnScreen, type LiveState } from './useLiveVideo.ts';
import type { Alert } from './useOpenAlerts.ts';

export type Camera = z.infer<typeof publicCameraSchema>;

/** Online, offline or recording, in words (not colour alone). */
export function cameraState(c: Camera): { label: string; tone: 'rec' | 'ok' | 'down' } {
  if (c.status === 'streaming') return { label: 'Recording', tone: 'rec' };
  if (c.connected) return { label: 'Online', tone: 'ok' };
  return { label: c.status === 'backoff' ? 'Offline, reconnecting' : c.status === 'starting' ? 'Connecting' : 'Offline', tone: 'down' };
}

export function playerText(s: LiveState): string {
  if (s.phase === 'playing') return s.transport === 'webrtc' ? 'Live (WebRTC)' : 'Live (HLS)';
  if (s.phase === 'connecting') return 'Connecting…';
  if (s.phase === 'trouble') return `No picture: ${s.reason ?? 'disconnected'}`;
  return 'Paused (off screen)';
}

export function StateBadge({ camera }: { camera: Camera }) {
  const s = cameraState(camera);
  return <span className={`${css.badge} ${css[s.tone]}`}>{s.label}</span>;
}

export function AlertOverlay({ alerts, timezone }: { alerts: Alert[]; timezone: string }) {
  if (!alerts.length) return null;
  const [top, ...rest] = alerts;
  return (
    <div className={css.alerts}>
      <Link to={`/alerts/${top!.id}`} className={`${css.alert} sev-${top!.severity}`}>
        <TriangleAlert aria-hidden />
        <span>{top!.title}</span>
        <time dateTime={new Date(top!.triggered_at).toISOString()}>{formatTime(top!.triggered_at, timezone)}</time>
      </Link>
      {rest.length > 0 && <Link to={`/alerts?camera=${encodeURIComponent(top!.camera_id)}`} className={css.more}>+{rest.length} more open</Link>}
    </div>
  );
}

/** One camera of the grid: plays only while on screen; a click (or Enter) opens it alone. */
export function LiveTile({ camera, alerts }: { camera: Camera; alerts: Alert[] }) {
  const tile = useRef<HTMLElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const onScreen = useOnScreen(tile);
  const live = useLiveVideo(video, camera.id, { active: onScreen, preferSub: true });
  return (
    <article ref={tile} className={css.tile} aria-labelledby={`tile-${camera.id}`} data-camera={camera.id} data-phase={live.phase} data-transport={live.transport ?? ''}>
      <Link to={`/live/${encodeURIComponent(camera.id)}`} className={css.open} aria-label={`${camera.name}: open full screen`}>
        {/* the newest frame stands in while the stream connects or the tile is paused */}
        <video ref={video} className={css.video} muted playsInline poster={`/api/v1/cameras/${encodeURIComponent(camera.id)}/snapshot.jpg`} aria-label={`Live video of ${camera.name}`} />
      </Link>
      <header className={css.caption}>
        <h2 id={`tile-${camera.id}`} className={css.name}>{camera.name}</h2>
        <StateBadge camera={camera} />
      </header>
      <p className={css.player} role="status">{playerText(live)}</p>
      <AlertOverlay alerts={alerts} timezone={camera.timezone} />
    </article>
  );
}
