import { Placeholder } from '../../layout/Placeholder.tsx';

export default function FacesPage() {
  return <Placeholder title="Face search" />;
}
