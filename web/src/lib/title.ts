import { useEffect } from 'react';

/** Each page names itself in the tab (and to screen readers moving between pages). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Vigil`;
  }, [title]);
}
