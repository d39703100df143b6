import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { heatmapSchema } from '@contract/analytics.ts';
import { api, errorText } from '../../api/client.ts';
import { SelectField } from '../../components/SelectField.tsx';
import css from './analytics.module.css';

interface Props {
  from: string;
  to: string;
  camera: string;
  cameras: readonly { id: string; name: string }[];
  onCamera: (id: string) => void;
}

/** What the camera sees now when it streams, else its newest event snapshot; a still that fails to load gives way to the next. */
function CameraPicture({ cameraId, urls }: { cameraId: string; urls: readonly (string | null)[] }) {
  const candidates = urls.filter((u): u is string => u !== null);
  const [failed, setFailed] = useState(0);
  const src = candidates[failed];
  if (!src) return <div className={css.heatBlank} />;
  return <img src={src} alt={`Picture of camera ${cameraId}`} className={css.heatImage} onError={() => setFailed((n) => n + 1)} />;
}

/** how strongly a cell is coloured: the busiest cell is nearly opaque, an empty one clear */
const alpha = (count: number, max: number): number => (count && max ? 0.15 + 0.65 * (count / max) : 0);

/**
 * Where people stood on one camera: the foot point of each tracked person on a grid, drawn over
 * a picture of the camera: what it sees now, else its newest event snapshot without boxes.
 */
export function Heatmap({ from, to, camera, cameras, onCamera }: Props) {
  const q = useQuery({
    queryKey: ['analytics', 'heatmap', camera, from, to],
    queryFn: () => api.get('/api/v1/analytics/heatmap', { query: { camera, from, to }, schema: heatmapSchema }),
    enabled: camera !== '',
  });
  const d = q.data;
  const busiest = d && d.max > 0 ? d.cells.flatMap((row, r) => row.map((count, c) => ({ r, c, count }))).sort((a, b) => b.count - a.count)[0] : undefined;
  const summary = d ? `${d.total} people seen on ${d.camera_id}${busiest ? `; most often in the ${busiest.r < d.rows / 3 ? 'upper' : busiest.r < (2 * d.rows) / 3 ? 'middle' : 'lower'} ${busiest.c < d.cols / 3 ? 'left' : busiest.c < (2 * d.cols) / 3 ? 'centre' : 'right'} of the picture` : ''}` : '';

  return (
    <section className={`card ${css.panel}`} aria-labelledby="heatmap-title">
      <div className={css.panelHead}>
        <h2 id="heatmap-title">Where people are seen</h2>
        <SelectField label="Heat map camera" value={camera} onChange={onCamera}>
          {cameras.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </SelectField>
      </div>
      {camera === '' && <p>No camera to show.</p>}
      {q.isPending && camera !== '' && <p role="status">Loading…</p>}
      {q.isError && <p role="alert" className="state-bad">{errorText(q.error)}</p>}
      {d && !d.frame && <p>No people seen on this camera yet.</p>}
      {d?.frame && (
        <figure className={css.heatmap} data-testid="heatmap">
          <div className={css.heatFrame} style={{ aspectRatio: `${d.frame.width} / ${d.frame.height}` }}>
            <CameraPicture key={d.camera_id} cameraId={d.camera_id} urls={[d.live_snapshot_url, d.snapshot_url]} />
            <svg viewBox={`0 0 ${d.cols} ${d.rows}`} preserveAspectRatio="none" className={css.heatGrid} role="img" aria-label={`Heat map: ${summary}`}>
              {d.cells.flatMap((row, r) => row.map((count, c) => (count > 0
                ? <rect key={`${r}-${c}`} x={c} y={r} width={1} height={1} fill="#ff5c2a" fillOpacity={alpha(count, d.max)}><title>{`${count} people`}</title></rect>
                : null)))}
            </svg>
          </div>
          <figcaption className={css.muted}>{summary}. Each person counts once, where their feet were in their clearest view.</figcaption>
        </figure>
      )}
    </section>
  );
}
