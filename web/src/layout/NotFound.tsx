import { Link } from 'react-router';
import { usePageTitle } from '../lib/title.ts';

export default function NotFound() {
  usePageTitle('Not found');
  return <section><h1>No such page</h1><p><Link to="/live">Go to the live view</Link></p></section>;
}
