import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { ROLES, type Role } from '@contract/permissions.ts';
import { PASSWORD_MIN, user, userList, type UpdateUser, type User } from '@contract/users.ts';
import { api, errorText } from '../../api/client.ts';
import { useMe } from '../../auth/session.tsx';
import { usePageTitle } from '../../lib/title.ts';
import { SelectField } from '../../components/SelectField.tsx';
import { CameraScopeField, scopeText } from './CameraScopeField.tsx';
import css from './admin.module.css';

const USERS = ['users'] as const;

function AddUser() {
  const client = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [cameras, setCameras] = useState<string[] | null>(null);
  const add = useMutation({
    mutationFn: () => api.post('/api/v1/users', { body: { username, password, role, cameras }, schema: user }),
    onSuccess: async () => {
      setUsername(''); setPassword(''); setRole('viewer'); setCameras(null);
      await client.invalidateQueries({ queryKey: USERS });
    },
  });
  const submit = (e: FormEvent) => { e.preventDefault(); add.mutate(); };
  return (
    <section className="card" aria-labelledby="add-user-title">
      <h2 id="add-user-title">Add a user</h2>
      <form className={css.form} onSubmit={submit} aria-labelledby="add-user-title">
        <TextField value={username} onChange={setUsername} isRequired autoComplete="off">
          <Label>Username</Label><Input />
        </TextField>
        <TextField type="password" value={password} onChange={setPassword} isRequired autoComplete="new-password" minLength={PASSWORD_MIN}>
          <Label>Password (at least {PASSWORD_MIN} characters)</Label><Input />
        </TextField>
        <SelectField label="Role" value={role} onChange={setRole}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</SelectField>
        <CameraScopeField value={cameras} onChange={setCameras} idPrefix="new-user-camera" />
        {add.isError && <p role="alert" className={css.error}>{errorText(add.error)}</p>}
        {add.isSuccess && <p role="status">User {add.data.username} added.</p>}
        <Button type="submit" className="btn btn-primary" isDisabled={add.isPending || (cameras !== null && cameras.length === 0)}>Add user</Button>
      </form>
    </section>
  );
}

function UserRow({ u, self }: { u: User; self: boolean }) {
  const client = useQueryClient();
  const [confirmReset, setConfirmReset] = useState(false);
  const change = useMutation({
    mutationFn: (patch: UpdateUser) => api.patch(`/api/v1/users/${u.id}`, { body: patch, schema: user }),
    onSettled: () => client.invalidateQueries({ queryKey: USERS }),
  });
  const resetMfa = useMutation({
    mutationFn: () => api.post(`/api/v1/users/${u.id}/mfa/reset`, { schema: user }),
    onSettled: async () => { setConfirmReset(false); await client.invalidateQueries({ queryKey: USERS }); },
  });
  const error = change.error ?? resetMfa.error;
  return (
    <tr>
      <th scope="row">{u.username}{self && ' (you)'}</th>
      <td>
        <select aria-label={`Role of ${u.username}`} value={u.role} disabled={change.isPending} onChange={(e) => change.mutate({ role: e.target.value as Role })}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </td>
      <td>{scopeText(u.cameras)}</td>
      <td>{u.mfa_enabled ? <span className="chip state-ok">on</span> : <span className="chip">off</span>}</td>
      <td>{u.disabled ? <span className="chip state-bad">disabled</span> : <span className="chip state-ok">active</span>}</td>
      <td>
        <div className={css.actions}>
          <Button className={u.disabled ? 'btn' : 'btn btn-danger'} isDisabled={change.isPending} onPress={() => change.mutate({ disabled: !u.disabled })}
            aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}>
            {u.disabled ? 'Enable' : 'Disable'}
          </Button>
          {u.mfa_enabled && !confirmReset && (
            <Button className="btn" onPress={() => setConfirmReset(true)} aria-label={`Reset two-factor sign-in of ${u.username}`}>Reset two-factor</Button>
          )}
          {confirmReset && (
            <>
              <Button className="btn btn-danger" autoFocus isDisabled={resetMfa.isPending} onPress={() => resetMfa.mutate()}
                aria-label={`Confirm: ${u.username} enrols an authenticator again at the next sign-in`}>Confirm reset</Button>
              <Button className="btn btn-ghost" onPress={() => setConfirmReset(false)}>Cancel</Button>
            </>
          )}
        </div>
        {error && <p role="alert" className={css.error}>{errorText(error)}</p>}
      </td>
    </tr>
  );
}

/** People who sign in: add one with a role and camera scope, change a role, disable, reset a lost authenticator. */
export default function UsersSettings() {
  usePageTitle('Users');
  const me = useMe();
  const users = useQuery({ queryKey: USERS, queryFn: () => api.get('/api/v1/users', { schema: userList }) });
  return (
    <section className={css.page} aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <div className="card">
        {users.isPending && <p role="status">Loading…</p>}
        {users.isError && <p role="alert" className={css.error}>{errorText(users.error)}</p>}
        {users.data && (
          <div className={css.scroll}>
            <table>
              <caption className="visually-hidden">Users, their roles, cameras, two-factor sign-in and state</caption>
              <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Cameras</th><th scope="col">Two-factor</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
              <tbody>{users.data.items.map((u) => <UserRow key={u.id} u={u} self={me.kind === 'user' && me.id === u.id} />)}</tbody>
            </table>
          </div>
        )}
      </div>
      <AddUser />
    </section>
  );
}
