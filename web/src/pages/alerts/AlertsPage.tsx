import { Placeholder } from '../../layout/Placeholder.tsx';

export default function AlertsPage() {
  return <Placeholder title="Alerts" />;
}
