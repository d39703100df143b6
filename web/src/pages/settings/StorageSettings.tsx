import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { MIN_BUDGET_BYTES, MIN_RETENTION_DAYS, storageSettingsView } from '@contract/storage-settings.ts';
import { storageSchema } from '@contract/system.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import css from './cameras/CamerasSettings.module.css';

const GB = 1e9;
const gb = (bytes: number) => (bytes < GB ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / GB).toFixed(bytes < 10 * GB ? 2 : 1)} GB`);

/** /settings/storage: retention days, the storage budget and what is stored now. */
export default function StorageSettings() {
  usePageTitle('Storage');
  const canManage = useCan('config:manage');
  const timeZone = useSiteTimezone();
  const client = useQueryClient();
  const policy = useQuery({ queryKey: ['settings', 'storage'], queryFn: () => api.get('/api/v1/settings/storage', { schema: storageSettingsView }) });
  const usage = useQuery({ queryKey: ['system', 'storage'], queryFn: () => api.get('/api/v1/system/storage', { schema: storageSchema }), refetchInterval: 15_000, retry: false });
  const [form, setForm] = useState({ retention: '', budget: '', evidence: '' });
  useEffect(() => {
    if (policy.data) setForm({ retention: String(policy.data.retention_days), budget: policy.data.budget_bytes ? String(policy.data.budget_bytes / GB) : '', evidence: String(policy.data.evidence_days) });
  }, [policy.data]);
  const save = useMutation({
    mutationFn: () => api.put('/api/v1/settings/storage', {
      body: { retention_days: Number(form.retention), budget_bytes: form.budget ? Math.round(Number(form.budget) * GB) : null, evidence_days: Number(form.evidence), version: policy.data?.version },
      schema: storageSettingsView,
    }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['settings', 'storage'] });
      await client.invalidateQueries({ queryKey: ['system', 'storage'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const u = usage.data;

  return (
    <section className={css.page}>
      <h1>Storage</h1>
      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Retention and budget</h2>
        {policy.isError && <p role="alert" className="state-bad">{errorText(policy.error)}</p>}
        <form onSubmit={submit} className={css.grid}>
          <div className="field"><label htmlFor="retention-days">Retention days</label><input id="retention-days" type="number" min={MIN_RETENTION_DAYS} max={3650} step="any" required disabled={!canManage} value={form.retention} onChange={set('retention')} /></div>
          <div className="field"><label htmlFor="budget-gb">Storage budget (GB, empty: the whole disk)</label><input id="budget-gb" type="number" min={MIN_BUDGET_BYTES / GB} step="any" disabled={!canManage} value={form.budget} onChange={set('budget')} /></div>
          <div className="field"><label htmlFor="evidence-days">Event evidence days</label><input id="evidence-days" type="number" min={MIN_RETENTION_DAYS} max={3650} step="any" required disabled={!canManage} value={form.evidence} onChange={set('evidence')} /></div>
          {canManage && <div className={css.actions}><button type="submit" className="btn btn-primary" disabled={save.isPending || !policy.data}>Save</button></div>}
        </form>
        {policy.data && <p className={css.help}>Version {policy.data.version}, by {policy.data.updated_by}. Applied by the next storage sweep, without a restart.</p>}
        {save.isSuccess && <p role="status" className="state-ok">Saved.</p>}
        {save.isError && <p role="alert" className="state-bad">{errorText(save.error)}</p>}
      </section>
      <section className="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Current usage</h2>
        {usage.isError && <p role="status" className="muted">{errorText(usage.error)}</p>}
        {u && (
          <>
            <p>
              <strong>{gb(u.used_bytes)}</strong> used of a {gb(u.budget_bytes)} budget{u.configured_budget_bytes === null ? ' (the whole disk)' : ''}; {gb(u.free_disk_bytes)} free on the disk.
              {u.projected_days_left !== null && ` At the current rate the budget is full in ${u.projected_days_left.toFixed(1)} days.`}
              {u.over_budget_bytes > 0 && <span className="state-bad"> Over budget by {gb(u.over_budget_bytes)}.</span>}
            </p>
            <table>
              <caption className="visually-hidden">Usage per class</caption>
              <thead><tr><th scope="col">Class</th><th scope="col">Size</th><th scope="col">Files</th><th scope="col">Oldest</th></tr></thead>
              <tbody>
                {Object.entries(u.classes).map(([name, c]) => (
                  <tr key={name}><td>{name}</td><td>{gb(c.bytes)}</td><td>{c.files ?? '–'}</td><td>{c.oldest ? formatDateTime(c.oldest, timeZone) : '–'}</td></tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </section>
  );
}
