import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { cameraSettingView } from '@contract/camera-settings.ts';
import { MIN_RETENTION_DAYS } from '@contract/storage-settings.ts';
import { api, errorText } from '../../../api/client.ts';
import css from './CamerasSettings.module.css';

type Camera = z.infer<typeof cameraSettingView>;

/** Name, location, retention and detection of one camera; saving restarts it with the new settings. */
export function EditCameraForm({ camera, onDone }: { camera: Camera; onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(camera.name ?? '');
  const [location, setLocation] = useState(camera.location ?? '');
  const [retention, setRetention] = useState(camera.retention_days?.toString() ?? '');
  const [detect, setDetect] = useState(camera.detect);
  const [substream, setSubstream] = useState(camera.substream);
  const save = useMutation({
    mutationFn: () => api.patch(`/api/v1/cameras/${encodeURIComponent(camera.id)}`, {
      body: { name: name || undefined, location: location || undefined, retention_days: retention ? Number(retention) : null, detect, ...(camera.dvr ? { substream } : {}), version: camera.version },
      schema: cameraSettingView,
    }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['settings', 'cameras'] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <section className="card" aria-labelledby="edit-camera-title">
      <h2 id="edit-camera-title">Edit {camera.id}</h2>
      <form onSubmit={submit} className={css.grid}>
        <div className="field"><label htmlFor="cam-name">Name</label><input id="cam-name" type="text" value={name} onChange={(e) => setName(e.target.value)} /></div>
        <div className="field"><label htmlFor="cam-location">Location</label><input id="cam-location" type="text" value={location} onChange={(e) => setLocation(e.target.value)} /></div>
        <div className="field"><label htmlFor="cam-retention">Retention days (empty: site default)</label><input id="cam-retention" type="number" min={MIN_RETENTION_DAYS} max={3650} value={retention} onChange={(e) => setRetention(e.target.value)} /></div>
        <label className={css.check}><input type="checkbox" checked={detect} onChange={(e) => setDetect(e.target.checked)} /> Detect people and vehicles</label>
        {camera.dvr && <label className={css.check}><input type="checkbox" checked={substream} onChange={(e) => setSubstream(e.target.checked)} /> Sub stream for the grid</label>}
        <div className={css.actions}>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>Save</button>
          <button type="button" className="btn" onClick={onDone}>Cancel</button>
        </div>
      </form>
      {save.isError && <p role="alert" className="state-bad">{errorText(save.error)}</p>}
    </section>
  );
}
