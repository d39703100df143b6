import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import { useState } from 'react';
import { Label, TextArea, TextField } from 'react-aria-components';
import { Link } from 'react-router';
import { alertDetailSchema } from '@contract/alerts.ts';
import { api, errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { clipPending, useEventQuery } from '../events/event-query.ts';
import { EvidenceImage } from '../events/EvidenceImage.tsx';
import { ACTIONS, actorName, CHANGE_LABEL, STATUS_LABEL, type Alert, type AlertAction } from './alert-labels.ts';
import css from './AlertsPage.module.css';

export const alertKey = (id: number) => ['alert', id] as const;

export const useAlertQuery = (id: number | null) => useQuery({
  queryKey: alertKey(id ?? 0), enabled: id !== null,
  queryFn: () => api.get(`/api/v1/alerts/${id}`, { schema: alertDetailSchema }),
});

/** Acknowledge, resolve or mark false positive, with the note; the list and the detail are then read again. */
export function useAlertAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, note }: { id: number; action: AlertAction; note: string }) =>
      api.post(`/api/v1/alerts/${id}/${action}`, { body: note.trim() ? { note: note.trim() } : {} }),
    onSettled: (_r, _e, v) => Promise.all([client.invalidateQueries({ queryKey: alertKey(v.id) }), client.invalidateQueries({ queryKey: ['alerts'] })]),
  });
}

export type AlertActionMutation = ReturnType<typeof useAlertAction>;

function escalation(a: Alert, tz: string): string {
  if (a.escalated_at) return `Escalated to ${a.escalated_to ?? 'the next tier'} at ${formatDateTime(a.escalated_at, tz)}`;
  if (a.status === 'new' && a.severity === 'critical') return 'Not acknowledged: escalates if nobody acts';
  return 'Not escalated';
}

/** One alert: its evidence (snapshot with the boxes, clip), what fired, and who did what; the actions for roles that may act. */
export function AlertDetail({ id, tz, cameraName, note, setNote, backTo, act, onAct }: {
  id: number; tz: string; cameraName: (id: string) => string; note: string; setNote: (s: string) => void; backTo: string;
  act: AlertActionMutation; onAct: (action: AlertAction) => void;
}) {
  const canAct = useCan('alerts:act');
  const alert = useAlertQuery(id);
  const eventId = alert.data?.event_id;
  const event = useEventQuery(eventId);
  const [showClip, setShowClip] = useState(false);

  if (alert.isPending) return <p role="status">Loading alert {id}…</p>;
  if (alert.isError) return <p role="alert">Alert {id}: {errorText(alert.error)}</p>;
  const a = alert.data;
  const e = event.data;
  const boxes = e ? (e.boxes.length ? e.boxes : e.bbox ? [{ bbox: e.bbox, class: e.class, confidence: e.confidence }] : []) : [];

  return (
    <article className={css.detail} aria-labelledby="alert-title" data-testid="alert-detail" data-status={a.status}>
      <Link to={backTo} className={`btn btn-ghost ${css.back}`}><ArrowLeft aria-hidden /> All alerts</Link>
      <h2 id="alert-title"><span className={`chip sev-${a.severity}`}>{a.severity}</span> {a.title}</h2>
      <dl className={css.facts}>
        <dt>Status</dt><dd data-testid="alert-status">{STATUS_LABEL[a.status]}{a.false_positive ? ' (false positive)' : ''}</dd>
        <dt>Camera</dt><dd>{cameraName(a.camera_id)}</dd>
        <dt>Rule</dt><dd>{a.rule_name} <span className={css.muted}>({a.rule_type})</span></dd>
        <dt>Zone</dt><dd>{e?.zone_id ?? '—'}</dd>
        <dt>Triggered</dt><dd><time dateTime={new Date(a.triggered_at).toISOString()}>{formatDateTime(a.triggered_at, tz)}</time>{a.night ? ' · night mode' : ''}</dd>
        <dt>Escalation</dt><dd>{escalation(a, tz)}</dd>
      </dl>

      {canAct && a.status !== 'resolved' && (
        <section aria-label="Act on this alert" className={css.actions}>
          <TextField value={note} onChange={setNote} className="field">
            <Label>Note (optional)</Label>
            {/* Esc leaves the note, so the next key acts on the alert with it */}
            <TextArea rows={2} maxLength={2000} data-testid="alert-note" onKeyDown={(e) => { if (e.key === 'Escape') e.currentTarget.blur(); }} />
          </TextField>
          <div className={css.buttons}>
            {ACTIONS.filter((x) => x.from.includes(a.status)).map((x) => (
              <button key={x.action} type="button" className={x.action === 'false-positive' ? 'btn' : 'btn btn-primary'} disabled={act.isPending}
                aria-keyshortcuts={x.key} onClick={() => onAct(x.action)}>
                {x.label} <kbd>{x.key}</kbd>
              </button>
            ))}
          </div>
          {act.isError && <p role="alert" className={css.error}>{errorText(act.error)}</p>}
        </section>
      )}

      {a.snapshot_url && e?.snapshot_url
        ? <EvidenceImage src={`${e.snapshot_url}?boxes=0`} alt={`Snapshot of ${cameraName(a.camera_id)} when ${a.title}`} boxes={boxes.map((b) => ({ bbox: b.bbox, label: `${b.class} ${Math.round(b.confidence * 100)}%` }))} />
        : <p className={css.muted}>No snapshot for this alert.</p>}

      {e?.clip_url && (showClip
        // the clip is cut from the recording on first play (and its download audited): only when asked
        ? <video className={css.clip} src={e.clip_url} controls autoPlay muted playsInline aria-label="Clip of the alert" data-testid="alert-clip" />
        : <button type="button" className="btn" onClick={() => setShowClip(true)}>Play clip</button>)}
      {e && clipPending(e) && <p className={css.muted} role="status">The clip is being prepared from the recording…</p>}

      <h3>Who did what</h3>
      <ol className={css.history} data-testid="alert-history">
        {a.history.map((h) => (
          <li key={h.seq}>
            <time dateTime={new Date(h.at).toISOString()}>{formatDateTime(h.at, tz)}</time> — <b>{CHANGE_LABEL[h.change]}</b>
            {h.change !== 'new' && h.change !== 'escalated' && <> by {actorName(h.by)}</>}
            {h.note && <>: <q>{h.note}</q></>}
          </li>
        ))}
      </ol>
    </article>
  );
}
