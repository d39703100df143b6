import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import { cameraSettingList, cameraSettingView } from '@contract/camera-settings.ts';
import { api, errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { usePageTitle } from '../../lib/title.ts';
import { AddDvrForm } from './cameras/AddDvrForm.tsx';
import { EditCameraForm } from './cameras/EditCameraForm.tsx';
import css from './cameras/CamerasSettings.module.css';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

type Camera = z.infer<typeof cameraSettingView>;

const STATE_CLASS: Record<Camera['status'], string> = { streaming: 'state-ok', starting: 'state-warn', backoff: 'state-bad', stopped: 'muted' };

/** /settings/cameras: every configured camera with its state; add a DVR's channels, edit, disable or delete a camera. */
export default function CamerasSettings() {
  usePageTitle('Cameras');
  const canManage = useCan('config:manage');
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Camera | null>(null);
  const cameras = useQuery({ queryKey: ['settings', 'cameras'], queryFn: () => api.get('/api/v1/settings/cameras', { schema: cameraSettingList }), refetchInterval: 5000 });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['settings', 'cameras'] });
    await client.invalidateQueries({ queryKey: ['cameras'] });
  };
  const toggle = useMutation({
    mutationFn: (c: Camera) => api.patch(`/api/v1/cameras/${encodeURIComponent(c.id)}`, { body: { enabled: !c.enabled, version: c.version }, schema: cameraSettingView }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (c: Camera) => api.del(`/api/v1/cameras/${encodeURIComponent(c.id)}`, { query: { version: c.version } }),
    onSuccess: refresh,
  });
  const failed = toggle.error ?? remove.error;

  return (
    <section className={css.page}>
      <h1>Cameras</h1>
      {canManage && (
        <div className={css.toolbar}>
          <button type="button" className="btn btn-primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>{adding ? 'Close Add DVR' : 'Add DVR'}</button>
        </div>
      )}
      {canManage && adding && <AddDvrForm onDone={() => setAdding(false)} />}
      {editing && <EditCameraForm key={editing.id} camera={editing} onDone={() => setEditing(null)} />}
      {failed && <p role="alert" className="state-bad">{errorText(failed)}</p>}
      {cameras.isPending && <p role="status">Loading…</p>}
      {cameras.isError && <p role="alert" className="state-bad">{errorText(cameras.error)}</p>}
      {cameras.data && (
        <div className={css.tableWrap}>
          <table>
            <caption className="visually-hidden">Configured cameras</caption>
            <thead><tr><th scope="col">Camera</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Retention</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {cameras.data.items.map((c) => (
                <tr key={c.id} data-camera={c.id}>
                  <td>{c.name ?? c.id}<br /><small className="muted">{c.id}{c.location ? ` · ${c.location}` : ''}</small></td>
                  <td>{c.dvr ? `DVR ${c.dvr}, channel ${c.channel}` : c.url}</td>
                  <td><span className={`chip ${STATE_CLASS[c.status]}`}>{c.enabled ? c.status : 'disabled'}</span></td>
                  <td>{c.retention_days ? `${c.retention_days} days` : 'site default'}</td>
                  {canManage && (
                    <td>
                      <div className={css.rowActions}>
                        <button type="button" className="btn" onClick={() => setEditing(c)} aria-label={`Edit ${c.id}`}>Edit</button>
                        <button type="button" className="btn" onClick={() => toggle.mutate(c)} aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.id}`}>{c.enabled ? 'Disable' : 'Enable'}</button>
                        <ConfirmButton label={`Delete ${c.id}`} onConfirm={() => remove.mutate(c)}>Delete</ConfirmButton>
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
