import { Placeholder } from '../../layout/Placeholder.tsx';

export default function CamerasSettings() {
  return <Placeholder title="Cameras" />;
}
