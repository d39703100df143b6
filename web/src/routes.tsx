/**
 * Every page has its own URL that survives a reload and can be sent to a colleague. Each page is
 * loaded when first opened, so the first page stays small.
 */
import type { ComponentType } from 'react';
import { Navigate, type RouteObject } from 'react-router';
import { RequireSession } from './auth/session.tsx';
import { Shell } from './layout/Shell.tsx';
import { SettingsLayout } from './layout/SettingsLayout.tsx';
import { TimelineIndex } from './pages/timeline/TimelineIndex.tsx';

const Loading = () => <p role="status" className="page-loading">Loading…</p>;

const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

export const routes: RouteObject[] = [
  { path: '/login', lazy: page(() => import('./auth/LoginPage.tsx')), hydrateFallbackElement: <Loading /> },
  {
    element: <RequireSession><Shell /></RequireSession>,
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, element: <Navigate to="/live" replace /> },
      { path: 'live', lazy: page(() => import('./pages/live/LivePage.tsx')) },
      { path: 'live/:camera', lazy: page(() => import('./pages/live/LivePage.tsx')) },
      { path: 'alerts', lazy: page(() => import('./pages/alerts/AlertsPage.tsx')) },
      { path: 'alerts/:id', lazy: page(() => import('./pages/alerts/AlertsPage.tsx')) },
      { path: 'events', lazy: page(() => import('./pages/events/EventsPage.tsx')) },
      { path: 'events/:id', lazy: page(() => import('./pages/events/EventsPage.tsx')) },
      { path: 'timeline', element: <TimelineIndex /> },
      { path: 'timeline/:camera', lazy: page(() => import('./pages/timeline/TimelinePage.tsx')) },
      { path: 'faces', lazy: page(() => import('./pages/faces/FacesPage.tsx')) },
      { path: 'analytics', lazy: page(() => import('./pages/analytics/AnalyticsPage.tsx')) },
      { path: 'account', lazy: page(() => import('./pages/account/AccountPage.tsx')) },
      {
        path: 'settings',
        element: <SettingsLayout />,
        children: [
          { path: 'cameras', lazy: page(() => import('./pages/settings/CamerasSettings.tsx')) },
          { path: 'zones', lazy: page(() => import('./pages/settings/ZonesSettings.tsx')) },
          { path: 'rules', lazy: page(() => import('./pages/settings/RulesSettings.tsx')) },
          { path: 'notifications', lazy: page(() => import('./pages/settings/NotificationsSettings.tsx')) },
          { path: 'storage', lazy: page(() => import('./pages/settings/StorageSettings.tsx')) },
          { path: 'users', lazy: page(() => import('./pages/settings/UsersSettings.tsx')) },
          { path: 'apikeys', lazy: page(() => import('./pages/settings/ApiKeysSettings.tsx')) },
          { path: 'system', lazy: page(() => import('./pages/settings/SystemSettings.tsx')) },
        ],
      },
      { path: '*', lazy: page(() => import('./layout/NotFound.tsx')) },
    ],
  },
];
