import { useSearchParams } from 'react-router';
import { useCameras } from '../../../api/cameras.ts';

/** The camera a settings page works on, kept in the URL (?camera=) so the page can be reloaded or sent. */
export function useSelectedCamera(): [string | undefined, (id: string) => void] {
  const [params, setParams] = useSearchParams();
  const cameras = useCameras().data?.items ?? [];
  const camera = params.get('camera') ?? cameras[0]?.id;
  return [camera, (id) => setParams((p) => { p.set('camera', id); return p; }, { replace: true })];
}

export function CameraPicker({ camera, onChange }: { camera: string | undefined; onChange: (id: string) => void }) {
  const cameras = useCameras().data?.items ?? [];
  return (
    <div className="field">
      <label htmlFor="camera-picker">Camera</label>
      <select id="camera-picker" value={camera ?? ''} onChange={(e) => onChange(e.target.value)}>
        {cameras.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
    </div>
  );
}
