import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { useMe } from '../auth/session.tsx';
import { SETTINGS_SECTIONS } from './settings-sections.ts';
import css from './SettingsLayout.module.css';

/** /settings: the sections the role may use, one URL each; a section the role may not use says so. */
export function SettingsLayout() {
  const me = useMe();
  const location = useLocation();
  const allowed = SETTINGS_SECTIONS.filter((s) => s.allowed(me.role));
  const current = SETTINGS_SECTIONS.find((s) => location.pathname.startsWith(`/settings/${s.path}`));
  if (location.pathname.replace(/\/$/, '') === '/settings') {
    return allowed[0] ? <Navigate to={`/settings/${allowed[0].path}`} replace /> : <Forbidden />;
  }
  return (
    <div className={css.layout}>
      <nav aria-label="Settings" className={css.nav}>
        <ul>{allowed.map((s) => <li key={s.path}><NavLink to={`/settings/${s.path}`} className={({ isActive }) => (isActive ? `${css.link} ${css.active}` : css.link)}>{s.label}</NavLink></li>)}</ul>
      </nav>
      <div className={css.content}>{current && !current.allowed(me.role) ? <Forbidden /> : <Outlet />}</div>
    </div>
  );
}

function Forbidden() {
  return <section><h1>Not available</h1><p>Your role does not include these settings. An administrator can change your role.</p></section>;
}
