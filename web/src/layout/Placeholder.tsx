import { usePageTitle } from '../lib/title.ts';

/** A page whose content is still being built: its URL, title and navigation already work. */
export function Placeholder({ title }: { title: string }) {
  usePageTitle(title);
  return <section><h1>{title}</h1><p>This page is being built.</p></section>;
}
