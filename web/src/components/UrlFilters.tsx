/**
 * Filters kept in the page's URL query, so a filtered list survives a reload and can be sent to a
 * colleague; and the camera filter every list shares (the cameras the user may see, by name).
 */
import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { useCameras } from '../api/cameras.ts';

export function useUrlFilters() {
  const [search, setSearch] = useSearchParams();
  const setFilter = useCallback((name: string, value: string) => {
    setSearch((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    }, { replace: true });
  }, [setSearch]);
  const qs = search.toString() ? `?${search.toString()}` : '';
  return { search, setFilter, qs };
}

/** A camera id → its name (the id until the list has loaded, or for a camera since removed). */
export function useCameraName(): (id: string) => string {
  const cameras = useCameras();
  return useCallback((id: string) => cameras.data?.items.find((c) => c.id === id)?.name ?? id, [cameras.data]);
}

export function CameraFilter({ value, onChange, label = 'Camera', any = 'All' }: { value: string; onChange: (id: string) => void; label?: string; any?: string }) {
  const cameras = useCameras();
  return (
    <label>{label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{any}</option>
        {cameras.data?.items.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
    </label>
  );
}
