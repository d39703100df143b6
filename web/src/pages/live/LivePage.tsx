import { ArrowLeft, Clock3, Maximize } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useCameras } from '../../api/cameras.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDateTime, formatTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import css from './Live.module.css';
import { AlertOverlay, type Camera, LiveTile, playerText, StateBadge } from './LiveTile.tsx';
import { useLiveVideo } from './useLiveVideo.ts';
import { useOpenAlerts, type Alert } from './useOpenAlerts.ts';

function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Grid({ cameras, alerts }: { cameras: Camera[]; alerts: Map<string, Alert[]> }) {
  usePageTitle('Live');
  const online = cameras.filter((c) => c.connected).length;
  return (
    <section aria-labelledby="live-title">
      <div className={css.bar}>
        <h1 id="live-title">Live</h1>
        <p className={css.summary}>{online} of {cameras.length} cameras online</p>
      </div>
      {cameras.length === 0 ? <p>No camera is visible to you.</p> : (
        <div className={css.grid}>
          {cameras.map((c) => <LiveTile key={c.id} camera={c} alerts={alerts.get(c.id) ?? []} />)}
        </div>
      )}
    </section>
  );
}

/** One camera alone, main stream, sized for a phone too; the browser's full screen is one more click. */
function Single({ camera, alerts }: { camera: Camera; alerts: Alert[] }) {
  usePageTitle(`${camera.name} live`);
  const frame = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const live = useLiveVideo(video, camera.id, { active: true, preferSub: false });
  const now = useNow();
  const canSeeRecordings = useCan('recordings:read');
  return (
    <section aria-labelledby="single-title" className={css.single}>
      <div className={css.bar}>
        <Link to="/live" className="btn btn-ghost"><ArrowLeft aria-hidden />All cameras</Link>
        <h1 id="single-title" className={css.singleTitle}>{camera.name}</h1>
        <StateBadge camera={camera} />
        {canSeeRecordings && <Link to={`/timeline/${encodeURIComponent(camera.id)}`} className="btn"><Clock3 aria-hidden />Timeline</Link>}
        <button type="button" className="btn" onClick={() => void frame.current?.requestFullscreen?.()}><Maximize aria-hidden />Full screen</button>
      </div>
      <div ref={frame} className={css.stage} data-camera={camera.id} data-phase={live.phase} data-transport={live.transport ?? ''}>
        <video ref={video} className={css.video} muted playsInline controls aria-label={`Live video of ${camera.name}`} />
        <time className={css.clock} dateTime={now.toISOString()}>{formatTime(now, camera.timezone)}</time>
        <AlertOverlay alerts={alerts} timezone={camera.timezone} />
      </div>
      <p role="status" className={css.player}>{playerText(live)}{camera.last_frame_at ? ` · last frame ${formatDateTime(camera.last_frame_at, camera.timezone)}` : ''}</p>
      {alerts.length > 0 && (
        <>
          <h2>Open alerts</h2>
          <ul className={css.alertList}>
            {alerts.map((a) => (
              <li key={a.id}><Link to={`/alerts/${a.id}`}><span className={`chip sev-${a.severity}`}>{a.severity}</span> {a.title} · {formatTime(a.triggered_at, camera.timezone)} · {a.status === 'ack' ? 'acknowledged' : 'new'}</Link></li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export default function LivePage() {
  const { camera: cameraId } = useParams();
  const cams = useCameras();
  const alerts = useOpenAlerts();
  if (cams.isPending) return <p role="status" className="page-loading">Loading cameras…</p>;
  if (cams.error) return <p role="alert">Cameras could not be loaded: {cams.error.message}</p>;
  const cameras = cams.data.items;
  if (cameraId === undefined) return <Grid cameras={cameras} alerts={alerts} />;
  const camera = cameras.find((c) => c.id === cameraId);
  if (!camera) return <section><h1>Live</h1><p>No camera “{cameraId}” is visible to you. <Link to="/live">All cameras</Link></p></section>;
  return <Single camera={camera} alerts={alerts.get(camera.id) ?? []} />;
}
