import { roleAllows, type Permission, type Role } from '@contract/permissions.ts';

/** The sections under /settings, each shown only to roles that may use it. */
export interface SettingsSection { path: string; label: string; permission: Permission; allowed: (role: Role) => boolean }

const section = (path: string, label: string, permission: Permission): SettingsSection => ({ path, label, permission, allowed: (role) => roleAllows(role, permission) });

export const SETTINGS_SECTIONS: SettingsSection[] = [
  section('cameras', 'Cameras', 'config:manage'),
  section('zones', 'Zones and lines', 'config:manage'),
  section('rules', 'Rules', 'config:manage'),
  section('notifications', 'Notifications', 'config:manage'),
  section('storage', 'Storage', 'config:manage'),
  section('users', 'Users', 'users:manage'),
  section('apikeys', 'API keys', 'apikeys:manage'),
  section('system', 'System', 'system:metrics'),
];
