import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import type { z } from 'zod';
import { confirmResponse, enrolResponse, sessionList } from '@contract/auth.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, errorText } from '../../api/client.ts';
import { ME_KEY, useMe } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import css from '../settings/admin.module.css';

const SESSIONS = ['auth', 'sessions'] as const;

function Sessions() {
  const tz = useSiteTimezone();
  const client = useQueryClient();
  const sessions = useQuery({ queryKey: SESSIONS, queryFn: () => api.get('/api/v1/auth/sessions', { schema: sessionList }) });
  const end = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/auth/sessions/${id}`),
    onSettled: () => client.invalidateQueries({ queryKey: SESSIONS }),
  });
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">My sessions</h2>
      {sessions.isPending && <p role="status">Loading…</p>}
      {sessions.isError && <p role="alert" className={css.error}>{errorText(sessions.error)}</p>}
      {end.isError && <p role="alert" className={css.error}>{errorText(end.error)}</p>}
      {sessions.data && (
        <div className={css.scroll}>
          <table>
            <caption className="visually-hidden">Where you are signed in</caption>
            <thead><tr><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col">Address</th><th scope="col">Browser</th><th scope="col"><span className="visually-hidden">Action</span></th></tr></thead>
            <tbody>{sessions.data.items.map((s) => (
              <tr key={s.id}>
                <td>{formatDateTime(s.created_at, tz)}</td>
                <td>{formatDateTime(s.last_used_at, tz)}</td>
                <td>{s.ip ?? '–'}</td>
                <td>{s.user_agent ?? '–'}</td>
                <td>{s.current ? 'this browser' : <Button className="btn" isDisabled={end.isPending} onPress={() => end.mutate(s.id)} aria-label={`End the session signed in at ${formatDateTime(s.created_at, tz)}`}>End session</Button>}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type Enrolment = z.infer<typeof enrolResponse>;

/** Turn on two-factor sign-in (scan the QR code, type a code, keep the recovery codes), or off (not for admins). */
function TwoFactor() {
  const me = useMe();
  const client = useQueryClient();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const refreshMe = () => client.invalidateQueries({ queryKey: ME_KEY });
  const enrol = useMutation({ mutationFn: () => api.post('/api/v1/auth/mfa/enrol', { schema: enrolResponse }), onSuccess: setEnrolment });
  const confirm = useMutation({
    mutationFn: () => api.post('/api/v1/auth/mfa/confirm', { body: { code: code.trim() }, schema: confirmResponse }),
    onSuccess: async (r) => { setRecovery(r.recovery_codes); setEnrolment(null); setCode(''); await refreshMe(); },
  });
  const disable = useMutation({
    mutationFn: () => api.post('/api/v1/auth/mfa/disable', { body: { code: code.trim() } }),
    onSuccess: async () => { setCode(''); await refreshMe(); },
  });
  const error = enrol.error ?? confirm.error ?? disable.error;
  const submit = (e: FormEvent) => { e.preventDefault(); if (enrolment) confirm.mutate(); else disable.mutate(); };

  return (
    <section className="card" aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor sign-in</h2>
      {recovery && (
        <div role="status">
          <p>Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once instead of a code, and they are shown only now.</p>
          <ul className={css.codes}>{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        </div>
      )}
      {!recovery && me.mfa_enabled && <p>On: you sign in with a code from your authenticator app.</p>}
      {!recovery && !me.mfa_enabled && !enrolment && (
        <>
          <p>Off. With two-factor sign-in, a stolen password alone does not open your account.</p>
          <Button className="btn btn-primary" isDisabled={enrol.isPending} onPress={() => enrol.mutate()}>Turn on two-factor sign-in</Button>
        </>
      )}
      {(enrolment || (me.mfa_enabled && me.role !== 'admin' && !recovery)) && (
        <form className={css.form} onSubmit={submit} aria-label={enrolment ? 'Confirm the authenticator' : 'Turn off two-factor sign-in'}>
          {enrolment && (
            <div>
              <p>Scan this code with an authenticator app, then type the 6-digit code it shows.</p>
              <img src={enrolment.qr} alt="QR code of the authenticator secret" width={180} height={180} />
              <p>Or type the secret: <code data-testid="mfa-secret">{enrolment.secret}</code></p>
            </div>
          )}
          <TextField value={code} onChange={setCode} isRequired autoComplete="one-time-code" inputMode="numeric">
            <Label>{enrolment ? 'Authenticator code' : 'Code or recovery code'}</Label><Input />
          </TextField>
          <Button type="submit" className={enrolment ? 'btn btn-primary' : 'btn btn-danger'} isDisabled={confirm.isPending || disable.isPending}>
            {enrolment ? 'Turn on' : 'Turn off two-factor sign-in'}
          </Button>
        </form>
      )}
      {me.mfa_enabled && me.role === 'admin' && <p>Administrators always sign in with two factors.</p>}
      {error && <p role="alert" className={css.error}>{errorText(error)}</p>}
    </section>
  );
}

/** The signed-in person's own account: who they are, where they are signed in, their second factor. */
export default function AccountPage() {
  usePageTitle('Account');
  const me = useMe();
  return (
    <section className={css.page} aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <dl className={`card ${css.facts}`}>
        <div><dt>User</dt><dd>{me.name}</dd></div>
        <div><dt>Role</dt><dd>{me.role}</dd></div>
        <div><dt>Cameras</dt><dd>{me.cameras === null ? 'every camera' : me.cameras.join(', ')}</dd></div>
      </dl>
      {me.kind === 'user' && <TwoFactor />}
      {me.kind === 'user' && <Sessions />}
    </section>
  );
}
