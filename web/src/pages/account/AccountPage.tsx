import { Placeholder } from '../../layout/Placeholder.tsx';

export default function AccountPage() {
  return <Placeholder title="Account" />;
}
