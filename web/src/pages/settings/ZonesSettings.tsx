import { Placeholder } from '../../layout/Placeholder.tsx';

export default function ZonesSettings() {
  return <Placeholder title="Zones and lines" />;
}
