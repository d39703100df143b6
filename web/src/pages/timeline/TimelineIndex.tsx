import { Navigate } from 'react-router';
import { useCameras } from '../../api/cameras.ts';

/** /timeline opens the first camera's day; each camera's timeline has its own URL. */
export function TimelineIndex() {
  const cams = useCameras();
  const first = cams.data?.items[0];
  if (cams.isPending) return <p role="status" className="page-loading">Loading…</p>;
  if (!first) return <section><h1>Timeline</h1><p>No camera is visible to you.</p></section>;
  return <Navigate to={`/timeline/${encodeURIComponent(first.id)}`} replace />;
}
