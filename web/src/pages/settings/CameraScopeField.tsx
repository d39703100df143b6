import { useCameras } from '../../api/cameras.ts';
import css from './admin.module.css';

/**
 * Which cameras an account or API key may see: every camera, or the ones ticked. `value` null =
 * every camera (the API's camera scope).
 */
export function CameraScopeField({ value, onChange, idPrefix }: { value: string[] | null; onChange: (v: string[] | null) => void; idPrefix: string }) {
  const cameras = useCameras().data?.items ?? [];
  const all = value === null;
  const toggle = (id: string, on: boolean) => {
    const next = new Set(value ?? []);
    if (on) next.add(id); else next.delete(id);
    onChange([...next]);
  };
  return (
    <fieldset className={css.scope}>
      <legend>Cameras</legend>
      <label><input type="checkbox" checked={all} onChange={(e) => onChange(e.target.checked ? null : [])} /> Every camera</label>
      {!all && cameras.map((c) => (
        <label key={c.id} htmlFor={`${idPrefix}-${c.id}`}>
          <input id={`${idPrefix}-${c.id}`} type="checkbox" checked={value.includes(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} /> {c.name}
        </label>
      ))}
      {!all && value.length === 0 && <p className={css.hint}>Tick at least one camera.</p>}
    </fieldset>
  );
}

export const scopeText = (cameras: readonly string[] | null): string => (cameras === null ? 'every camera' : cameras.join(', '));
