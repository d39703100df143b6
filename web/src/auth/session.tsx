/**
 * Who is signed in, and what they may do. The session is the API's cookies; this only asks the
 * API who they belong to (GET /api/v1/auth/me) and hides what the role may not use: a viewer never
 * sees a button they cannot press.
 */
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { z } from 'zod';
import { meResponse } from '@contract/auth.ts';
import { roleAllows, type Permission } from '@contract/permissions.ts';
import { api, ApiError, onSignedOut } from '../api/client.ts';

export type Me = z.infer<typeof meResponse>;

const SessionContext = createContext<Me | null>(null);

export const ME_KEY = ['auth', 'me'] as const;

const fetchMe = () => api.get('/api/v1/auth/me', { schema: meResponse });

/** After sign-in: who it is, before any page asks (a page would otherwise see the old "signed out"). */
export const loadMe = (client: QueryClient) => client.fetchQuery({ queryKey: ME_KEY, queryFn: fetchMe });

export function useMeQuery() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: fetchMe,
    retry: (n, e) => !(e instanceof ApiError && e.status === 401) && n < 2,
    staleTime: 60_000,
  });
}

/** Renders its children for a signed-in user; otherwise sends the browser to /login and back here after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const me = useMeQuery();
  const client = useQueryClient();
  const location = useLocation();
  useEffect(() => onSignedOut(() => client.setQueryData(ME_KEY, null)), [client]);
  if (me.isPending || (me.isFetching && !me.data)) return <p role="status" className="page-loading">Loading…</p>;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
}

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside RequireSession');
  return me;
}

/** True when the signed-in role grants the permission (the same table the API enforces). */
export function useCan(permission: Permission): boolean {
  return roleAllows(useMe().role, permission);
}
