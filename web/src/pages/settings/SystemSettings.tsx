import { Placeholder } from '../../layout/Placeholder.tsx';

export default function SystemSettings() {
  return <Placeholder title="System" />;
}
