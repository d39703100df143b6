import { ArrowLeft, ScanFace } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { clipPending, useEventQuery } from './event-query.ts';
import { EvidenceImage } from './EvidenceImage.tsx';
import css from './EventsPage.module.css';

/** One event: its snapshot with the boxes and the track's path drawn, its clip, and "find this face" when a face was kept. */
export function EventDetail({ id, tz, cameraName, backTo }: { id: number; tz: string; cameraName: (id: string) => string; backTo: string }) {
  const canSearchFaces = useCan('faces:search');
  const [showClip, setShowClip] = useState(false);
  const event = useEventQuery(id);
  if (event.isPending) return <p role="status">Loading event {id}…</p>;
  if (event.isError) return <p role="alert">Event {id}: {errorText(event.error)}</p>;
  const e = event.data;
  const boxes = e.boxes.length ? e.boxes : e.bbox ? [{ bbox: e.bbox, class: e.class, confidence: e.confidence }] : [];
  return (
    <article className={css.detail} aria-labelledby="event-title" data-testid="event-detail">
      <Link to={backTo} className={`btn btn-ghost ${css.back}`}><ArrowLeft aria-hidden /> All events</Link>
      <h2 id="event-title">{e.class} on {cameraName(e.camera_id)}</h2>
      {e.snapshot_url
        ? <EvidenceImage src={`${e.snapshot_url}?boxes=0`} alt={`Snapshot of ${e.class} on ${cameraName(e.camera_id)}`}
            boxes={boxes.map((b) => ({ bbox: b.bbox, label: `${b.class} ${Math.round(b.confidence * 100)}%` }))} path={e.track} />
        : <p className={css.muted}>No snapshot for this event.</p>}
      {e.track.length > 1 && <p className={css.muted}>The line shows where it went ({e.track.length} points, one a second; the dot is where it was first seen).</p>}
      <div className={css.buttons}>
        {e.clip_url && !showClip && <button type="button" className="btn" onClick={() => setShowClip(true)}>Play clip</button>}
        {canSearchFaces && e.face_embedding_id !== null && (
          <Link className="btn" to={`/faces?embedding=${e.face_embedding_id}`}><ScanFace aria-hidden /> Find this face</Link>
        )}
      </div>
      {clipPending(e) && <p className={css.muted} role="status">The clip is being prepared from the recording…</p>}
      {/* the clip is cut from the recording on first play (and its download audited): only when asked */}
      {e.clip_url && showClip && <video className={css.clip} src={e.clip_url} controls autoPlay muted playsInline aria-label="Clip of the event" />}
      <dl className={css.facts}>
        <dt>Type</dt><dd>{e.event_type}{e.late ? ' (found later in the recording)' : ''}</dd>
        <dt>Confidence</dt><dd>{Math.round(e.confidence * 100)}%</dd>
        <dt>Zone</dt><dd>{e.zone_id ?? '—'}</dd>
        <dt>Seen</dt><dd><time dateTime={new Date(e.start_time).toISOString()}>{formatDateTime(e.start_time, tz)}</time>{e.end_time ? <> – <time dateTime={new Date(e.end_time).toISOString()}>{formatDateTime(e.end_time, tz)}</time></> : ''}</dd>
        {e.severity && <><dt>Severity</dt><dd>{e.severity}</dd></>}
      </dl>
    </article>
  );
}
