import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { API_KEY_DEFAULT_DAYS, API_KEY_MAX_DAYS, apiKey, apiKeyList, createdApiKey, type CreatedApiKey } from '@contract/api-keys.ts';
import { ROLES, type Role } from '@contract/permissions.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, errorText } from '../../api/client.ts';
import { formatDateTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { SelectField } from '../../components/SelectField.tsx';
import { CameraScopeField, scopeText } from './CameraScopeField.tsx';
import css from './admin.module.css';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

const KEYS = ['apikeys'] as const;

/** The new key, shown once: it cannot be read again. */
function NewKey({ created }: { created: CreatedApiKey }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className={css.secret} role="status">
      <span>Key <strong>{created.name}</strong>, shown only now:</span>
      <code data-testid="new-api-key">{created.key}</code>
      <Button className="btn" onPress={() => void navigator.clipboard.writeText(created.key).then(() => setCopied(true))}><Copy aria-hidden /> {copied ? 'Copied' : 'Copy'}</Button>
    </div>
  );
}

function CreateKey() {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [cameras, setCameras] = useState<string[] | null>(null);
  const [days, setDays] = useState(String(API_KEY_DEFAULT_DAYS));
  const [routes, setRoutes] = useState('');
  const create = useMutation({
    mutationFn: () => {
      const listed = routes.split('\n').map((r) => r.trim()).filter(Boolean);
      return api.post('/api/v1/apikeys', { body: { name, role, cameras, routes: listed.length ? listed : null, expires_in_days: Number(days) }, schema: createdApiKey });
    },
    onSuccess: async () => {
      setName(''); setRoutes('');
      await client.invalidateQueries({ queryKey: KEYS });
    },
  });
  const submit = (e: FormEvent) => { e.preventDefault(); create.mutate(); };
  return (
    <section className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create an API key</h2>
      {create.data && <NewKey created={create.data} />}
      <form className={css.form} onSubmit={submit} aria-labelledby="create-key-title">
        <TextField value={name} onChange={setName} isRequired autoComplete="off">
          <Label>Name</Label><Input />
        </TextField>
        <SelectField label="Role" value={role} onChange={setRole}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</SelectField>
        <div className="field">
          <label htmlFor="key-days">Expires after (days)</label>
          <input id="key-days" type="number" min={1} max={API_KEY_MAX_DAYS} value={days} onChange={(e) => setDays(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="key-routes">Routes it may call (one per line, e.g. GET /api/v1/events; empty: all its role allows)</label>
          <textarea id="key-routes" rows={2} value={routes} onChange={(e) => setRoutes(e.target.value)} />
        </div>
        <CameraScopeField value={cameras} onChange={setCameras} idPrefix="new-key-camera" />
        {create.isError && <p role="alert" className={css.error}>{errorText(create.error)}</p>}
        <Button type="submit" className="btn btn-primary" isDisabled={create.isPending || (cameras !== null && cameras.length === 0)}>Create key</Button>
      </form>
    </section>
  );
}

/** API keys for machines: who may call what, when each expires and was last used; revoke at once. */
export default function ApiKeysSettings() {
  usePageTitle('API keys');
  const tz = useSiteTimezone();
  const client = useQueryClient();
  const keys = useQuery({ queryKey: KEYS, queryFn: () => api.get('/api/v1/apikeys', { schema: apiKeyList }) });
  const revoke = useMutation({
    mutationFn: (id: number) => api.del(`/api/v1/apikeys/${id}`, { schema: apiKey }),
    onSettled: () => client.invalidateQueries({ queryKey: KEYS }),
  });
  return (
    <section className={css.page} aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <div className="card">
        {keys.isPending && <p role="status">Loading…</p>}
        {keys.isError && <p role="alert" className={css.error}>{errorText(keys.error)}</p>}
        {revoke.isError && <p role="alert" className={css.error}>{errorText(revoke.error)}</p>}
        {keys.data && keys.data.items.length === 0 && <p>No API keys yet.</p>}
        {keys.data && keys.data.items.length > 0 && (
          <div className={css.scroll}>
            <table>
              <caption className="visually-hidden">API keys</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Role</th><th scope="col">Cameras</th><th scope="col">Routes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Action</span></th></tr></thead>
              <tbody>{keys.data.items.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td><code>{k.prefix}</code></td>
                  <td>{k.role}</td>
                  <td>{scopeText(k.cameras)}</td>
                  <td>{k.routes === null ? 'all its role allows' : k.routes.join(', ')}</td>
                  <td>{formatDateTime(k.expires_at, tz)}</td>
                  <td>{k.last_used_at ? `${formatDateTime(k.last_used_at, tz)} from ${k.last_used_ip ?? '?'}` : 'never'}</td>
                  <td><span className={`chip ${k.state === 'active' ? 'state-ok' : 'state-bad'}`}>{k.state}</span></td>
                  <td>{k.state === 'active' && <ConfirmButton label={`Revoke ${k.name}`} disabled={revoke.isPending} onConfirm={() => revoke.mutate(k.id)}>Revoke</ConfirmButton>}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
      </div>
      <CreateKey />
    </section>
  );
}
