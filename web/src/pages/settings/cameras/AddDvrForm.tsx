import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { cameraSettingList } from '@contract/camera-settings.ts';
import { dvrList, dvrTestResult, dvrView, type dvrTestBody } from '@contract/dvrs.ts';
import { api, ApiError, errorText } from '../../../api/client.ts';
import css from './CamerasSettings.module.css';

type TestResult = z.infer<typeof dvrTestResult>;

const CAUSES: Record<string, string> = {
  auth_failed: 'wrong username or password',
  unreachable: 'no connection to the DVR',
  timeout: 'the DVR did not answer in time',
  no_such_channel: 'no such channel',
  not_rtsp: 'something other than a DVR answers on this port',
  refused: 'refused by the DVR',
};

const causeText = (error: string | null, detail: string | null) => `${CAUSES[error ?? ''] ?? error ?? 'unknown'}${detail ? ` (${detail})` : ''}`;

/** "Add DVR": address and credentials → Test connection → pick channels → Add cameras (they start recording at once). */
export function AddDvrForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState({ id: '', host: '', port: '554', username: 'admin', password: '', channels: '16' });
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const connection = (): z.input<typeof dvrTestBody> => ({ host: form.host.trim(), port: Number(form.port), username: form.username, password: form.password, channels: Number(form.channels) });

  const test = useMutation({
    mutationFn: () => api.post('/api/v1/dvrs/test', { body: connection(), schema: dvrTestResult }),
    onSuccess: (r: TestResult) => setPicked(new Set(r.channels.filter((c) => c.reachable).map((c) => c.channel))),
  });
  const add = useMutation({
    mutationFn: async () => {
      const id = form.id.trim();
      const known = await api.get('/api/v1/dvrs', { schema: dvrList });
      if (!known.items.some((d) => d.id === id)) {
        const { channels: _, ...dvr } = connection();
        await api.post('/api/v1/dvrs', { body: { ...dvr, id }, schema: dvrView });
      }
      return api.post(`/api/v1/dvrs/${encodeURIComponent(id)}/cameras`, { body: { channels: [...picked].sort((a, b) => a - b) }, schema: cameraSettingList });
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['settings', 'cameras'] });
      await client.invalidateQueries({ queryKey: ['cameras'] });
      onDone();
    },
  });

  const submitTest = (e: FormEvent) => {
    e.preventDefault();
    test.mutate();
  };
  const toggle = (channel: number) => {
    const next = new Set(picked);
    if (next.has(channel)) next.delete(channel);
    else next.add(channel);
    setPicked(next);
  };
  const result = test.data;

  return (
    <section className="card" aria-labelledby="add-dvr-title">
      <h2 id="add-dvr-title">Add DVR</h2>
      <form onSubmit={submitTest} className={css.grid}>
        <div className="field"><label htmlFor="dvr-id">DVR name (id)</label><input id="dvr-id" type="text" required pattern="[A-Za-z0-9_\-]{1,32}" value={form.id} onChange={set('id')} aria-describedby="dvr-id-help" /><small id="dvr-id-help" className={css.help}>letters, digits, _ or -; cameras are named &lt;id&gt;_ch&lt;N&gt;</small></div>
        <div className="field"><label htmlFor="dvr-host">Host</label><input id="dvr-host" type="text" required value={form.host} onChange={set('host')} autoComplete="off" /></div>
        <div className="field"><label htmlFor="dvr-port">Port</label><input id="dvr-port" type="number" min={1} max={65535} required value={form.port} onChange={set('port')} /></div>
        <div className="field"><label htmlFor="dvr-user">Username</label><input id="dvr-user" type="text" value={form.username} onChange={set('username')} autoComplete="off" /></div>
        <div className="field"><label htmlFor="dvr-password">Password</label><input id="dvr-password" type="password" value={form.password} onChange={set('password')} autoComplete="new-password" /></div>
        <div className="field"><label htmlFor="dvr-channels">Channels to probe</label><input id="dvr-channels" type="number" min={1} max={64} value={form.channels} onChange={set('channels')} /></div>
        <div className={css.actions}><button type="submit" className="btn" disabled={test.isPending}>{test.isPending ? 'Testing…' : 'Test connection'}</button></div>
      </form>
      {test.isError && <p role="alert" className="state-bad">{errorText(test.error)}</p>}
      {result && !result.reachable && <p role="alert" className="state-bad">Cannot use this DVR: {causeText(result.error, result.detail)}</p>}
      {result?.reachable && (
        <fieldset className={css.channels}>
          <legend>Channels to add</legend>
          <ul>
            {result.channels.map((c) => (
              <li key={c.channel}>
                <label className={css.check}>
                  <input type="checkbox" checked={picked.has(c.channel)} disabled={!c.reachable} onChange={() => toggle(c.channel)} />
                  Channel {c.channel}{' '}
                  <span className={c.reachable ? 'state-ok' : 'state-bad'}>{c.reachable ? `${c.codec ?? '?'} ${c.width && c.height ? `${c.width}×${c.height}` : ''}` : causeText(c.error, c.detail)}</span>
                </label>
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-primary" disabled={picked.size === 0 || !form.id.trim() || add.isPending} onClick={() => add.mutate()}>
            {add.isPending ? 'Adding…' : `Add cameras (${picked.size})`}
          </button>
          {add.isError && <p role="alert" className="state-bad">{add.error instanceof ApiError && add.error.status === 409 ? `Not added: ${add.error.message}` : errorText(add.error)}</p>}
        </fieldset>
      )}
    </section>
  );
}
