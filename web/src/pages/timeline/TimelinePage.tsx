import { Placeholder } from '../../layout/Placeholder.tsx';

export default function TimelinePage() {
  return <Placeholder title="Timeline" />;
}
