/**
 * The alerts inbox: the list live over /ws/alerts, filtered by status, severity and camera (in the
 * URL, so a filtered view can be sent to a colleague), and the selected alert's detail at
 * /alerts/{id}. Keyboard: j/k move, a/r/f acknowledge, resolve or mark a false positive (with the
 * note typed), for roles that may act. On a phone the list and the detail are one screen each.
 */
import { useQueryClient } from '@tanstack/react-query';
import { Bell, BellOff } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ALERT_STATUSES, alertPage, SEVERITIES } from '@contract/alerts.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { errorText } from '../../api/client.ts';
import { useCursorList } from '../../api/cursor-list.ts';
import { useCan, useMe } from '../../auth/session.tsx';
import { formatDateTime, formatTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { CameraFilter, useCameraName, useUrlFilters } from '../../components/UrlFilters.tsx';
import { AlertDetail, alertKey, useAlertAction, useAlertQuery } from './AlertDetail.tsx';
import { ACTIONS, STATUS_LABEL, type AlertAction } from './alert-labels.ts';
import { alarmEnabled, beep, disableAlarm, enableAlarm, notify, resumeAlarmOnGesture, subscribePush } from './alarm.ts';
import { useAlertFeed, type AlertFrame } from './useAlertFeed.ts';
import css from './AlertsPage.module.css';

// rule and from/to have no control here, but a link with them (from a rule's settings, a report) filters the inbox
const FILTERS = ['status', 'severity', 'camera', 'rule', 'from', 'to'] as const;

/** typing a note or choosing a filter is not a shortcut */
const isTyping = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

function AlarmToggle() {
  const me = useMe();
  const [on, setOn] = useState(alarmEnabled);
  const [why, setWhy] = useState<string | null>(null);
  useEffect(() => resumeAlarmOnGesture(), []);
  if (on) {
    return (
      <div className={css.alarm}>
        <button type="button" className="btn" onClick={() => { disableAlarm(); setOn(false); }}><BellOff aria-hidden /> Turn off alert sound &amp; notifications</button>
        {why && <span className={css.muted} role="status">Push: {why}</span>}
      </div>
    );
  }
  return (
    <button type="button" className="btn" onClick={() => {
      void enableAlarm().then(async (permission) => {
        setOn(true);
        setWhy(permission === 'granted' ? await subscribePush(me.name) : `notifications ${permission}`);
      });
    }}><Bell aria-hidden /> Enable alert sound &amp; notifications</button>
  );
}

export default function AlertsPage() {
  const params = useParams();
  const selected = params.id ? Number(params.id) : null;
  usePageTitle(selected ? `Alert ${selected}` : 'Alerts');
  const { search, setFilter, qs } = useUrlFilters();
  const navigate = useNavigate();
  const client = useQueryClient();
  const tz = useSiteTimezone();
  const canAct = useCan('alerts:act');
  const cameraName = useCameraName();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? undefined]));

  const { list, items } = useCursorList('/api/v1/alerts', filters, alertPage);

  const onAlert = useCallback((f: AlertFrame) => {
    void client.invalidateQueries({ queryKey: ['alerts'] });
    void client.invalidateQueries({ queryKey: alertKey(f.alert.id) });
    if (f.change === 'new' && f.alert.severity === 'critical' && alarmEnabled()) {
      beep();
      notify(`Critical: ${f.alert.title}`, `${cameraName(f.alert.camera_id)} · ${formatTime(f.alert.triggered_at, tz)}`, `/alerts/${f.alert.id}`, `vigil-alert-${f.alert.id}`);
    }
  }, [client, cameraName, tz]);
  const feed = useAlertFeed(onAlert);

  const [note, setNote] = useState('');
  useEffect(() => setNote(''), [selected]);
  const act = useAlertAction();
  const current = useAlertQuery(selected);
  const onAct = useCallback((action: AlertAction) => {
    if (selected === null) return;
    act.mutate({ id: selected, action, note }, { onSuccess: () => setNote('') });
  }, [act, selected, note]);

  const open = useCallback((id: number) => navigate(`/alerts/${id}${qs}`), [navigate, qs]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const at = items.findIndex((a) => a.id === selected);
      if (e.key === 'j' || e.key === 'k') {
        const next = items[e.key === 'j' ? at + 1 : Math.max(at - 1, 0)];
        if (next) open(next.id);
        return;
      }
      const x = ACTIONS.find((y) => y.key === e.key);
      const status = current.data?.status;
      if (x && canAct && status && x.from.includes(status) && !act.isPending) onAct(x.action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, selected, open, canAct, current.data, act.isPending, onAct]);

  return (
    <div className={css.page} data-selected={selected !== null}>
      <section className={css.inbox} aria-labelledby="inbox-title">
        <div className={css.toolbar}>
          <h1 id="inbox-title">Alerts</h1>
          <span className={css.feed} data-state={feed.state} role="status" data-testid="feed-state">
            {feed.state === 'live' ? 'Live' : feed.state === 'connecting' ? 'Connecting…' : `Reconnecting…${feed.lastUpdate ? ` (last update ${formatTime(feed.lastUpdate, tz)})` : ''}`}
          </span>
          <AlarmToggle />
        </div>
        <div className={css.filters} role="group" aria-label="Filters">
          <label>Status
            <select value={filters.status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">Any</option>
              {ALERT_STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABEL[s]}</option>)}
            </select>
          </label>
          <label>Severity
            <select value={filters.severity ?? ''} onChange={(e) => setFilter('severity', e.target.value)}>
              <option value="">Any</option>
              {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
          <CameraFilter value={filters.camera ?? ''} onChange={(v) => setFilter('camera', v)} />
        </div>
        {canAct && <p className={css.hint}>Keys: <kbd>j</kbd>/<kbd>k</kbd> move, {ACTIONS.map((x) => <span key={x.key}><kbd>{x.key}</kbd> {x.label.toLowerCase()}, </span>)}<kbd>Esc</kbd> leaves the note</p>}
        {list.isError && <p role="alert">{errorText(list.error)}</p>}
        {list.isSuccess && items.length === 0 && <p className={css.muted}>No alerts{search.toString() ? ' match these filters' : ''}.</p>}
        <ul className={css.list} aria-label="Alerts, newest first" data-testid="alert-list">
          {items.map((a) => (
            <li key={a.id}>
              <Link to={`/alerts/${a.id}${qs}`} className={css.item} aria-current={a.id === selected ? 'true' : undefined} data-status={a.status} data-alert-id={a.id}>
                <span className={`chip sev-${a.severity}`}>{a.severity}</span>
                <span className={css.title}>{a.title}</span>
                <span className={css.meta}>{a.rule_name} · {cameraName(a.camera_id)} · <time dateTime={new Date(a.triggered_at).toISOString()}>{formatDateTime(a.triggered_at, tz)}</time> · {STATUS_LABEL[a.status]}</span>
              </Link>
            </li>
          ))}
        </ul>
        {list.hasNextPage && <button type="button" className="btn" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Older alerts</button>}
      </section>
      <section className={css.pane} aria-label="Alert detail">
        {selected !== null
          ? <AlertDetail id={selected} tz={tz} cameraName={cameraName} note={note} setNote={setNote} backTo={`/alerts${qs}`} act={act} onAct={onAct} />
          : <p className={css.muted}>Select an alert{canAct ? ' (or press j)' : ''}.</p>}
      </section>
    </div>
  );
}
