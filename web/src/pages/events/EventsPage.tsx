import { Placeholder } from '../../layout/Placeholder.tsx';

export default function EventsPage() {
  return <Placeholder title="Events" />;
}
