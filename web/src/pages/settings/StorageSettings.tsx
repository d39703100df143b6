import { Placeholder } from '../../layout/Placeholder.tsx';

export default function StorageSettings() {
  return <Placeholder title="Storage" />;
}
