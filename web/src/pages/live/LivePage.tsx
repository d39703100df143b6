import { Placeholder } from '../../layout/Placeholder.tsx';

export default function LivePage() {
  return <Placeholder title="Live" />;
}
