import { Placeholder } from '../../layout/Placeholder.tsx';

export default function ApiKeysSettings() {
  return <Placeholder title="API keys" />;
}
