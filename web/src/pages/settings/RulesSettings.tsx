import { Placeholder } from '../../layout/Placeholder.tsx';

export default function RulesSettings() {
  return <Placeholder title="Rules" />;
}
