import { Placeholder } from '../../layout/Placeholder.tsx';

export default function AnalyticsPage() {
  return <Placeholder title="Analytics" />;
}
