import { Placeholder } from '../../layout/Placeholder.tsx';

export default function NotificationsSettings() {
  return <Placeholder title="Notifications" />;
}
