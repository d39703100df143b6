/**
 * An event's picture as taken, with its boxes (and a track's path) drawn over it from the API's
 * coordinates. The boxes are in the picture's own pixels (the frame that was analysed), so the
 * overlay's coordinate system is the image's natural size, known once it has loaded.
 */
import { useState } from 'react';
import type { z } from 'zod';
import type { bbox as bboxSchema } from '@contract/events.ts';
import css from './EvidenceImage.module.css';

export interface LabelledBox { bbox: z.infer<typeof bboxSchema>; label: string }

export function EvidenceImage({ src, alt, boxes, path = [] }: { src: string; alt: string; boxes: LabelledBox[]; path?: { x: number; y: number }[] }) {
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const [failed, setFailed] = useState(false);
  if (failed) return <p className={css.missing}>The picture is no longer stored.</p>;
  // labels and lines keep a readable size on a CIF frame and on a 4K one
  const unit = size ? Math.max(size.w, size.h) / 320 : 1;
  return (
    <figure className={css.figure}>
      <img
        src={src} alt={alt} className={css.image} data-testid="evidence-image"
        onLoad={(e) => setSize({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
        onError={() => setFailed(true)}
      />
      {size && (
        <svg className={css.overlay} viewBox={`0 0 ${size.w} ${size.h}`} preserveAspectRatio="none" aria-hidden data-testid="evidence-overlay">
          {path.length > 1 && <polyline className={css.path} points={path.map((p) => `${p.x},${p.y}`).join(' ')} strokeWidth={unit} />}
          {path[0] && <circle className={css.start} cx={path[0].x} cy={path[0].y} r={unit * 2} />}
          {boxes.map((b, i) => (
            <g key={i}>
              <rect className={css.box} x={b.bbox[0]} y={b.bbox[1]} width={b.bbox[2] - b.bbox[0]} height={b.bbox[3] - b.bbox[1]} strokeWidth={unit} />
              <text className={css.label} x={b.bbox[0]} y={Math.max(b.bbox[1] - unit * 2, unit * 8)} fontSize={unit * 8}>{b.label}</text>
            </g>
          ))}
        </svg>
      )}
      {boxes.length > 0 && <figcaption className="visually-hidden">Marked: {boxes.map((b) => b.label).join(', ')}</figcaption>}
    </figure>
  );
}
