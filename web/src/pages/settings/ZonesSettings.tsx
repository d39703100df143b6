import { useState, type FormEvent } from 'react';
import type { LineObject, ZoneObject } from '@contract/settings.ts';
import { errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { usePageTitle } from '../../lib/title.ts';
import { useLines, useObjectMutations, useZones } from './config/api.ts';
import { CameraPicker, useSelectedCamera } from './config/CameraPicker.tsx';
import { SnapshotCanvas, type Pt, type Shape } from './config/SnapshotCanvas.tsx';
import css from './config/settings.module.css';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

type Kind = 'zone' | 'line';
interface Draft { kind: Kind; id: string; name: string; points: Pt[]; version: number; base: Record<string, unknown> }

const blank = (kind: Kind): Draft => ({ kind, id: '', name: '', points: [], version: 0, base: {} });
const fromZone = (z: ZoneObject): Draft => ({ kind: 'zone', id: z.id, name: z.definition.name ?? '', points: z.definition.polygon.map((p) => [...p] as Pt), version: z.version, base: z.definition });
const fromLine = (l: LineObject): Draft => ({ kind: 'line', id: l.id, name: l.definition.name ?? '', points: l.definition.points.map((p) => [...p] as Pt), version: l.version, base: l.definition });

/** /settings/zones: zones and lines of a camera, drawn on what it sees now or typed as numbers. */
export default function ZonesSettings() {
  usePageTitle('Zones and lines');
  const canEdit = useCan('config:manage');
  const [camera, setCamera] = useSelectedCamera();
  const zones = useZones(camera);
  const lines = useLines(camera);
  const zoneApi = useObjectMutations('zones');
  const lineApi = useObjectMutations('lines');
  const [draft, setDraft] = useState<Draft>(blank('zone'));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const shapes: Shape[] = [
    ...(zones.data?.items ?? []).filter((z) => z.id !== draft.id || draft.kind !== 'zone').map((z) => ({ kind: 'zone' as const, id: z.id, points: z.definition.polygon.map((p) => [...p] as Pt) })),
    ...(lines.data?.items ?? []).filter((l) => l.id !== draft.id || draft.kind !== 'line').map((l) => ({ kind: 'line' as const, id: l.id, points: l.definition.points.map((p) => [...p] as Pt) })),
  ];
  const noun = draft.kind === 'zone' ? 'zone' : 'line';
  const setPoints = (points: Pt[]) => setDraft((d) => ({ ...d, points: d.kind === 'line' ? points.slice(-2) : points }));
  const setPoint = (i: number, axis: 0 | 1, value: number) => setPoints(draft.points.map((p, j) => (j === i ? (axis === 0 ? [value, p[1]] : [p[0], value]) : p)));

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!camera) return;
    const named = draft.name.trim() ? { name: draft.name.trim() } : {};
    const { name: _old, ...rest } = draft.base;
    const definition = draft.kind === 'zone' ? { ...rest, ...named, polygon: draft.points } : { ...rest, ...named, points: draft.points };
    const m = draft.kind === 'zone' ? zoneApi.save : lineApi.save;
    m.mutate({ camera, id: draft.id.trim(), definition, version: draft.version }, {
      onSuccess: (o) => { setMessage({ ok: true, text: `Saved ${noun} ${o.id} (version ${o.version}).` }); setDraft({ ...draft, id: o.id, version: o.version, base: o.definition as Record<string, unknown> }); },
      onError: (err) => setMessage({ ok: false, text: errorText(err) }),
    });
  };
  const remove = (kind: Kind, o: { id: string; version: number }) => {
    if (!camera) return;
    (kind === 'zone' ? zoneApi.remove : lineApi.remove).mutate({ camera, id: o.id, version: o.version }, {
      onSuccess: () => { setMessage({ ok: true, text: `Deleted ${kind} ${o.id}.` }); if (draft.id === o.id && draft.kind === kind) setDraft(blank(kind)); },
      onError: (err) => setMessage({ ok: false, text: errorText(err) }),
    });
  };

  return (
    <section>
      <h1>Zones and lines</h1>
      <div className={css.toolbar}>
        <CameraPicker camera={camera} onChange={(id) => { setCamera(id); setDraft(blank(draft.kind)); }} />
      </div>
      {camera && (
        <div className={css.split}>
          <SnapshotCanvas camera={camera} shapes={shapes} draft={draft.points} draftKind={draft.kind} onAdd={(p) => setPoints([...draft.points, p])} />
          <form className={`card ${css.form}`} onSubmit={save} aria-label={draft.version ? `Edit ${noun} ${draft.id}` : `New ${noun}`}>
            <fieldset className={css.radios}>
              <legend>Draw a</legend>
              {(['zone', 'line'] as const).map((k) => (
                <label key={k}><input type="radio" name="kind" value={k} checked={draft.kind === k} onChange={() => setDraft(blank(k))} /> {k === 'zone' ? 'Zone (polygon)' : 'Line (two points)'}</label>
              ))}
            </fieldset>
            <div className="field">
              <label htmlFor="object-id">{draft.kind === 'zone' ? 'Zone id' : 'Line id'}</label>
              <input id="object-id" type="text" required pattern="[a-zA-Z0-9_\-]{1,64}" value={draft.id} disabled={draft.version > 0} onChange={(e) => setDraft({ ...draft, id: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="object-name">Name</label>
              <input id="object-name" type="text" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
            </div>
            <fieldset className={css.points}>
              <legend>Points (source pixels)</legend>
              <ol>
                {draft.points.map((p, i) => (
                  <li key={i}>
                    <label>x<input type="number" min={0} aria-label={`Point ${i + 1} x`} value={p[0]} onChange={(e) => setPoint(i, 0, Number(e.target.value))} /></label>
                    <label>y<input type="number" min={0} aria-label={`Point ${i + 1} y`} value={p[1]} onChange={(e) => setPoint(i, 1, Number(e.target.value))} /></label>
                    <button type="button" className="btn btn-ghost" onClick={() => setPoints(draft.points.filter((_, j) => j !== i))}>Remove point {i + 1}</button>
                  </li>
                ))}
              </ol>
              <div className={css.row}>
                <button type="button" className="btn" onClick={() => setPoints([...draft.points, [0, 0]])}>Add point</button>
                <button type="button" className="btn btn-ghost" onClick={() => setPoints([])} disabled={!draft.points.length}>Clear points</button>
              </div>
            </fieldset>
            {canEdit && <button type="submit" className="btn btn-primary">{draft.kind === 'zone' ? 'Save zone' : 'Save line'}</button>}
            {message && <p role={message.ok ? 'status' : 'alert'} className={message.ok ? css.ok : css.error}>{message.text}</p>}
          </form>
        </div>
      )}
      <h2>On this camera</h2>
      <table>
        <thead><tr><th scope="col">Kind</th><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Changed by</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {(zones.data?.items ?? []).map((z) => <ObjectRow key={`z-${z.id}`} kind="zone" o={z} name={z.definition.name} canEdit={canEdit} onEdit={() => setDraft(fromZone(z))} onDelete={() => remove('zone', z)} />)}
          {(lines.data?.items ?? []).map((l) => <ObjectRow key={`l-${l.id}`} kind="line" o={l} name={l.definition.name} canEdit={canEdit} onEdit={() => setDraft(fromLine(l))} onDelete={() => remove('line', l)} />)}
        </tbody>
      </table>
    </section>
  );
}

function ObjectRow({ kind, o, name, canEdit, onEdit, onDelete }: { kind: Kind; o: { id: string; version: number; updated_by: string }; name?: string; canEdit: boolean; onEdit: () => void; onDelete: () => void }) {
  return (
    <tr>
      <td>{kind}</td><td>{o.id}</td><td>{name ?? ''}</td><td>{o.version}</td><td>{o.updated_by}</td>
      <td>{canEdit && <span className={css.row}>
        <button type="button" className="btn" onClick={onEdit}>Edit {kind} {o.id}</button>
        <ConfirmButton label={`Delete ${kind} ${o.id}`} onConfirm={onDelete}>Delete</ConfirmButton>
      </span>}</td>
    </tr>
  );
}
