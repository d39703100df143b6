import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { SEVERITIES } from '@contract/alerts.ts';
import { notificationTestResult, recipientList, recipientView, type recipientDefinition } from '@contract/recipients.ts';
import { api, errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { usePageTitle } from '../../lib/title.ts';
import css from './cameras/CamerasSettings.module.css';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

type Recipient = z.infer<typeof recipientView>;
type Definition = z.input<typeof recipientDefinition>;
const CHANNELS = ['email', 'sms', 'push', 'webhook', 'mqtt'] as const;
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** /settings/notifications: who is notified on which channels from which severity; "Send test" per recipient. */
export default function NotificationsSettings() {
  usePageTitle('Notifications');
  const canManage = useCan('config:manage');
  const client = useQueryClient();
  const [editing, setEditing] = useState<Recipient | 'new' | null>(null);
  const [tested, setTested] = useState<{ name: string; results: z.infer<typeof notificationTestResult>['results'] } | null>(null);
  const recipients = useQuery({ queryKey: ['settings', 'recipients'], queryFn: () => api.get('/api/v1/notifications/recipients', { schema: recipientList }) });
  const test = useMutation({
    mutationFn: (name: string) => api.post('/api/v1/notifications/test', { body: { recipient: name }, schema: notificationTestResult }),
    onSuccess: (r, name) => setTested({ name, results: r.results }),
  });
  const remove = useMutation({
    mutationFn: (r: Recipient) => api.del(`/api/v1/notifications/recipients/${encodeURIComponent(r.name)}`, { query: { version: r.version } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'recipients'] }),
  });
  const failed = test.error ?? remove.error;

  return (
    <section className={css.page}>
      <h1>Notifications</h1>
      {canManage && <div className={css.toolbar}><button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>Add recipient</button></div>}
      {editing && <RecipientForm key={editing === 'new' ? 'new' : editing.name} recipient={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      {failed && <p role="alert" className="state-bad">{errorText(failed)}</p>}
      {tested && (
        <section className="card" aria-live="polite" aria-labelledby="test-title">
          <h2 id="test-title">Test message to {tested.name}</h2>
          <ul>{tested.results.map((r) => <li key={`${r.channel}:${r.target}`} className={r.ok ? 'state-ok' : 'state-bad'}>{r.channel} → {r.target}: {r.ok ? 'sent' : `not sent: ${r.error}`}</li>)}</ul>
        </section>
      )}
      {recipients.isPending && <p role="status">Loading…</p>}
      {recipients.isError && <p role="alert" className="state-bad">{errorText(recipients.error)}</p>}
      {recipients.data && (
        <div className={css.tableWrap}>
          <table>
            <caption className="visually-hidden">Notification recipients</caption>
            <thead><tr><th scope="col">Recipient</th><th scope="col">Channels</th><th scope="col">From severity</th><th scope="col">Cameras</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {recipients.data.items.map((r) => (
                <tr key={r.name} data-recipient={r.name}>
                  <td>{r.name}{r.admin ? ' (escalations)' : ''}<br /><small className="muted">{[r.email, r.phone].filter(Boolean).join(' · ')}</small></td>
                  <td>{r.channels.join(', ')}</td>
                  <td><span className={`chip sev-${r.min_severity}`}>{r.min_severity}</span></td>
                  <td>{r.cameras.length ? r.cameras.join(', ') : 'all'}</td>
                  {canManage && (
                    <td>
                      <div className={css.rowActions}>
                        <button type="button" className="btn" onClick={() => test.mutate(r.name)} disabled={test.isPending} aria-label={`Send test to ${r.name}`}>Send test</button>
                        <button type="button" className="btn" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>Edit</button>
                        <ConfirmButton label={`Delete ${r.name}`} onConfirm={() => remove.mutate(r)}>Delete</ConfirmButton>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RecipientForm({ recipient, onDone }: { recipient: Recipient | null; onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(recipient?.name ?? '');
  const [channels, setChannels] = useState<Set<string>>(new Set(recipient?.channels ?? ['email']));
  const [email, setEmail] = useState(recipient?.email ?? '');
  const [phone, setPhone] = useState(recipient?.phone ?? '');
  const [webhooks, setWebhooks] = useState(recipient?.webhooks.join(', ') ?? '');
  const [cameras, setCameras] = useState(recipient?.cameras.join(', ') ?? '');
  const [severity, setSeverity] = useState<string>(recipient?.min_severity ?? 'high');
  const [admin, setAdmin] = useState(recipient?.admin ?? false);
  const save = useMutation({
    mutationFn: () => {
      const definition = {
        name, channels: CHANNELS.filter((c) => channels.has(c)), min_severity: severity, admin, webhooks: list(webhooks), cameras: list(cameras),
        ...(email ? { email } : {}), ...(phone ? { phone } : {}),
      } as Definition;
      return api.put(`/api/v1/notifications/recipients/${encodeURIComponent(name)}`, { body: { definition, version: recipient?.version ?? 0 }, schema: recipientView });
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['settings', 'recipients'] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const toggle = (c: string) => {
    const next = new Set(channels);
    if (next.has(c)) next.delete(c);
    else next.add(c);
    setChannels(next);
  };
  return (
    <section className="card" aria-labelledby="recipient-title">
      <h2 id="recipient-title">{recipient ? `Edit ${recipient.name}` : 'Add recipient'}</h2>
      <form onSubmit={submit} className={css.grid}>
        <div className="field"><label htmlFor="rcp-name">Name</label><input id="rcp-name" type="text" required pattern="[A-Za-z0-9_\-]{1,32}" readOnly={Boolean(recipient)} value={name} onChange={(e) => setName(e.target.value)} /></div>
        <fieldset className={css.channels}>
          <legend>Channels</legend>
          {CHANNELS.map((c) => <label key={c} className={css.check}><input type="checkbox" checked={channels.has(c)} onChange={() => toggle(c)} /> {c}</label>)}
        </fieldset>
        <div className="field"><label htmlFor="rcp-email">Email</label><input id="rcp-email" type="text" inputMode="email" value={email} onChange={(e) => setEmail(e.target.value)} /></div>
        <div className="field"><label htmlFor="rcp-phone">Phone (E.164)</label><input id="rcp-phone" type="text" inputMode="tel" value={phone} onChange={(e) => setPhone(e.target.value)} /></div>
        <div className="field"><label htmlFor="rcp-webhooks">Webhook endpoints (ids, comma separated)</label><input id="rcp-webhooks" type="text" value={webhooks} onChange={(e) => setWebhooks(e.target.value)} /></div>
        <div className="field"><label htmlFor="rcp-cameras">Only cameras (ids, comma separated; empty: all)</label><input id="rcp-cameras" type="text" value={cameras} onChange={(e) => setCameras(e.target.value)} /></div>
        <div className="field"><label htmlFor="rcp-severity">From severity</label><select id="rcp-severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>{SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}</select></div>
        <label className={css.check}><input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> Receives escalations</label>
        <div className={css.actions}>
          <button type="submit" className="btn btn-primary" disabled={save.isPending || channels.size === 0}>Save</button>
          <button type="button" className="btn" onClick={onDone}>Cancel</button>
        </div>
      </form>
      {save.isError && <p role="alert" className="state-bad">{errorText(save.error)}</p>}
    </section>
  );
}
