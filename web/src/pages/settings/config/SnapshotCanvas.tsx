import { useEffect, useState, type MouseEvent } from 'react';
import css from './SnapshotCanvas.module.css';

export type Pt = [number, number];
export interface Shape { kind: 'zone' | 'line'; id: string; points: Pt[] }

/** When the camera has sent no frame yet, points are still placed in a frame of this size. */
const FALLBACK = { width: 1920, height: 1080 };
const RETRY_MS = 3000;

/**
 * The camera's newest frame with the zones and lines drawn over it in source pixels (the pixels the
 * rules judge in). A click adds a point to the draft; the numeric point list beside it does the
 * same from the keyboard.
 */
export function SnapshotCanvas({ camera, shapes, draft, draftKind, onAdd }: {
  camera: string; shapes: Shape[]; draft: Pt[]; draftKind: 'zone' | 'line'; onAdd: (p: Pt) => void;
}) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [failed, setFailed] = useState(false);
  const [stamp, setStamp] = useState(() => Date.now());
  // a camera still connecting has no picture yet: ask again every few seconds until it has one
  useEffect(() => {
    if (!failed) return undefined;
    const t = setTimeout(() => { setFailed(false); setStamp(Date.now()); }, RETRY_MS);
    return () => clearTimeout(t);
  }, [failed]);
  const frame = size ?? FALLBACK;
  const click = (e: MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    onAdd([Math.round(((e.clientX - r.left) / r.width) * frame.width), Math.round(((e.clientY - r.top) / r.height) * frame.height)]);
  };
  const path = (pts: Pt[]) => pts.map((p) => p.join(',')).join(' ');
  const stroke = Math.max(2, frame.width / 400);
  return (
    <figure className={css.figure}>
      <div className={css.stage} style={{ aspectRatio: `${frame.width} / ${frame.height}` }}>
        {!failed && (
          <img key={stamp}
            className={css.image} src={`/api/v1/cameras/${encodeURIComponent(camera)}/snapshot.jpg?t=${stamp}`} alt={`What camera ${camera} sees now`}
            onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} onError={() => setFailed(true)}
          />
        )}
        <svg className={css.overlay} viewBox={`0 0 ${frame.width} ${frame.height}`} preserveAspectRatio="none" onClick={click} data-testid="snapshot-canvas" aria-hidden="true">
          {shapes.map((s) => (s.kind === 'zone'
            ? <polygon key={`z-${s.id}`} points={path(s.points)} className={css.zone} strokeWidth={stroke} />
            : <polyline key={`l-${s.id}`} points={path(s.points)} className={css.line} strokeWidth={stroke} />))}
          {draft.length > 0 && (draftKind === 'zone' && draft.length > 2
            ? <polygon points={path(draft)} className={css.draft} strokeWidth={stroke} />
            : <polyline points={path(draft)} className={css.draft} strokeWidth={stroke} />)}
          {draft.map((p, i) => <circle key={i} cx={p[0]} cy={p[1]} r={stroke * 3} className={css.handle} />)}
        </svg>
      </div>
      <figcaption className={css.caption}>
        {failed && !size ? 'No picture from this camera yet (trying again): points are placed in a 1920×1080 frame.' : `Click to add a point (${frame.width}×${frame.height} source pixels).`}
      </figcaption>
    </figure>
  );
}
