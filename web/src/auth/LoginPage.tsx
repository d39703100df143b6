import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, FieldError, Form, Input, Label, TextField } from 'react-aria-components';
import { useNavigate, useSearchParams } from 'react-router';
import { confirmResponse, enrolResponse, loginResponse } from '@contract/auth.ts';
import { api, ApiError, errorText } from '../api/client.ts';
import { usePageTitle } from '../lib/title.ts';
import { loadMe } from './session.tsx';
import css from './LoginPage.module.css';

type Step =
  | { kind: 'password' }
  | { kind: 'code' }
  | { kind: 'enrol'; token: string; qr?: string; secret?: string }
  | { kind: 'recovery'; codes: string[] };

/** Only paths of this app: `next` comes from the URL, and must not send the user to another site. */
const safeNext = (next: string | null): string => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/live');

/** Sign-in: password, then the authenticator code when the account uses MFA; an admin without MFA enrols first. */
export default function LoginPage() {
  usePageTitle('Sign in');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const next = safeNext(params.get('next'));

  const done = async () => {
    await loadMe(client);
    navigate(next, { replace: true });
  };

  const signIn = useMutation({
    mutationFn: (totp?: string) => api.post('/api/v1/auth/login', { body: { username, password, ...(totp && { totp }) }, schema: loginResponse }),
    onSuccess: async (r) => {
      setError(null);
      if (r.mfa_enrolment_required) {
        const e = await api.post('/api/v1/auth/mfa/enrol', { schema: enrolResponse, ...bearer(r.enrolment_token) });
        setStep({ kind: 'enrol', token: r.enrolment_token, qr: e.qr, secret: e.secret });
        return;
      }
      await done();
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'mfa_required') {
        setError(null);
        setStep({ kind: 'code' });
      } else setError(errorText(e));
    },
  });

  const confirm = useMutation({
    mutationFn: (token: string) => api.post('/api/v1/auth/mfa/confirm', { body: { code }, schema: confirmResponse, ...bearer(token) }),
    onSuccess: (r) => { setError(null); setStep({ kind: 'recovery', codes: r.recovery_codes }); },
    onError: (e) => setError(errorText(e)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (step.kind === 'password') signIn.mutate(undefined);
    else if (step.kind === 'code') signIn.mutate(code.trim());
    else if (step.kind === 'enrol') confirm.mutate(step.token);
  };
  const busy = signIn.isPending || confirm.isPending;

  return (
    <main className={css.page}>
      <div className={css.card}>
        <h1 className={css.brand}>Vigil</h1>
        {step.kind === 'recovery' ? (
          <section aria-labelledby="recovery-title">
            <h2 id="recovery-title">Two-factor sign-in is on</h2>
            <p>Keep these recovery codes somewhere safe. Each works once instead of a code; they are shown only now.</p>
            <ul className={css.codes}>{step.codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
            <Button className="btn btn-primary" onPress={() => void done()}>Continue</Button>
          </section>
        ) : (
          <Form onSubmit={submit} className={css.form} aria-label="Sign in">
            {step.kind === 'password' && (
              <>
                <TextField name="username" value={username} onChange={setUsername} isRequired autoComplete="username" autoFocus>
                  <Label>Username</Label>
                  <Input />
                  <FieldError />
                </TextField>
                <TextField name="password" type="password" value={password} onChange={setPassword} isRequired autoComplete="current-password">
                  <Label>Password</Label>
                  <Input />
                  <FieldError />
                </TextField>
              </>
            )}
            {step.kind === 'enrol' && (
              <div className={css.enrol}>
                <p>Administrators sign in with two factors. Scan this code with an authenticator app, then type the 6-digit code it shows.</p>
                {step.qr && <img src={step.qr} alt="QR code of the authenticator secret" width={180} height={180} />}
                {step.secret && <p>Or type the secret: <code data-testid="mfa-secret">{step.secret}</code></p>}
              </div>
            )}
            {(step.kind === 'code' || step.kind === 'enrol') && (
              <TextField name="totp" value={code} onChange={setCode} isRequired autoComplete="one-time-code" inputMode="numeric" autoFocus>
                <Label>Authenticator code</Label>
                <Input />
              </TextField>
            )}
            {error && <p role="alert" className={css.error}>{error}</p>}
            <Button type="submit" className="btn btn-primary" isDisabled={busy}>
              {step.kind === 'enrol' ? 'Turn on two-factor sign-in' : busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </Form>
        )}
      </div>
    </main>
  );
}

/** The enrolment token of an admin's first sign-in opens only the MFA routes, as a bearer token. */
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
