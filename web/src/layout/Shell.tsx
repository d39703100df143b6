import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Bell, Camera, ChartColumn, Clock3, ListVideo, LogOut, ScanFace, Settings, UserRound, Video } from 'lucide-react';
import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import type { Permission } from '@contract/permissions.ts';
import { useSiteTimezone } from '../api/cameras.ts';
import { api } from '../api/client.ts';
import { useCan, useMe } from '../auth/session.tsx';
import { formatTime } from '../lib/time.ts';
import { StatusBanners } from './StatusBanners.tsx';
import { SETTINGS_SECTIONS } from './settings-sections.ts';
import css from './Shell.module.css';

interface NavItem { to: string; label: string; icon: ReactNode; permission: Permission }

const NAV: NavItem[] = [
  { to: '/live', label: 'Live', icon: <Video aria-hidden />, permission: 'live:watch' },
  { to: '/alerts', label: 'Alerts', icon: <Bell aria-hidden />, permission: 'alerts:read' },
  { to: '/events', label: 'Events', icon: <ListVideo aria-hidden />, permission: 'events:read' },
  { to: '/timeline', label: 'Timeline', icon: <Clock3 aria-hidden />, permission: 'recordings:read' },
  { to: '/faces', label: 'Faces', icon: <ScanFace aria-hidden />, permission: 'faces:search' },
  { to: '/analytics', label: 'Analytics', icon: <ChartColumn aria-hidden />, permission: 'events:read' },
];

function NavEntry({ item }: { item: NavItem }) {
  if (!useCan(item.permission)) return null;
  return <li><NavLink to={item.to} className={({ isActive }) => (isActive ? `${css.link} ${css.active}` : css.link)}>{item.icon}<span>{item.label}</span></NavLink></li>;
}

function SettingsEntry() {
  const me = useMe();
  const first = SETTINGS_SECTIONS.find((s) => s.allowed(me.role));
  if (!first) return null;
  return <li><NavLink to="/settings" className={({ isActive }) => (isActive ? `${css.link} ${css.active}` : css.link)}><Settings aria-hidden /><span>Settings</span></NavLink></li>;
}

/** The site's wall clock: what a guard compares with the time on the video. */
function SiteClock() {
  const tz = useSiteTimezone();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return <time className={css.clock} dateTime={now.toISOString()} aria-label={`Site time (${tz})`}>{formatTime(now, tz)}</time>;
}

function UserMenu() {
  const me = useMe();
  const client = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => api.post('/api/v1/auth/logout'),
    onSettled: () => { client.clear(); navigate('/login', { replace: true }); },
  });
  return (
    <div className={css.user}>
      <NavLink to="/account" className={css.link} aria-label={`Account of ${me.name} (${me.role})`}><UserRound aria-hidden /><span>{me.name}</span></NavLink>
      <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()} aria-label="Sign out"><LogOut aria-hidden /></button>
    </div>
  );
}

/** The frame of every signed-in page: navigation (only what the role may use), site clock, status banners. */
export function Shell() {
  return (
    <div className={css.shell}>
      <a href="#main" className="skip-link">Skip to content</a>
      <header className={css.header}>
        <NavLink to="/live" className={css.brand} aria-label="Vigil home"><Camera aria-hidden /> Vigil</NavLink>
        <nav aria-label="Main" className={css.nav}>
          <ul>
            {NAV.map((item) => <NavEntry key={item.to} item={item} />)}
            <SettingsEntry />
          </ul>
        </nav>
        <SiteClock />
        <UserMenu />
      </header>
      <StatusBanners />
      <main id="main" className={css.main} tabIndex={-1}>
        <Suspense fallback={<p role="status" className="page-loading">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
