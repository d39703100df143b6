import { Placeholder } from '../../layout/Placeholder.tsx';

export default function UsersSettings() {
  return <Placeholder title="Users" />;
}
