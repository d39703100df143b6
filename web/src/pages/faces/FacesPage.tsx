/**
 * Face search: drop or choose a photo, or come from an event's "Find this face"
 * (/faces?embedding={id}), and see every stored face like it, grouped by the person (identity)
 * it belongs to, with similarity, camera, time and snapshot. Operators name identities here.
 * Every search is audited (who, when, which filters), and the page says so.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ShieldAlert, Upload } from 'lucide-react';
import { useState } from 'react';
import { Button, DropZone, FileTrigger, Form, Input, isFileDropItem, Label, Text, TextField, type DropItem } from 'react-aria-components';
import { Link } from 'react-router';
import type { z } from 'zod';
import { faceMatchSchema, identitySchema, photoSearchResponse, similarResponse } from '@contract/faces.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { api, errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { CameraFilter, useCameraName, useUrlFilters } from '../../components/UrlFilters.tsx';
import { EvidenceImage } from '../events/EvidenceImage.tsx';
import css from './FacesPage.module.css';

type Match = z.infer<typeof faceMatchSchema>;
interface Group { identityId: number; name: string | null; best: number; matches: Match[] }

const MATCHES = 30;
const IMAGE_TYPES = ['image/jpeg', 'image/png'];

/** Matches grouped by identity, the most similar person first (the API returns them most similar first). */
export function groupByIdentity(matches: Match[]): Group[] {
  const groups = new Map<number, Group>();
  for (const m of matches) {
    const g = groups.get(m.identity_id) ?? { identityId: m.identity_id, name: m.identity_name, best: m.similarity, matches: [] };
    g.matches.push(m);
    g.best = Math.max(g.best, m.similarity);
    groups.set(m.identity_id, g);
  }
  return [...groups.values()].sort((a, b) => b.best - a.best);
}

function NameIdentity({ group, onNamed }: { group: Group; onNamed: (name: string | null) => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(group.name ?? '');
  const save = useMutation({
    mutationFn: (value: string | null) => api.patch(`/api/v1/faces/identities/${group.identityId}`, { body: { name: value }, schema: identitySchema }),
    onSuccess: (r) => { onNamed(r.name); void client.invalidateQueries({ queryKey: ['faces'] }); },
  });
  return (
    <Form className={css.nameForm} onSubmit={(e) => { e.preventDefault(); save.mutate(name.trim() || null); }}>
      <TextField value={name} onChange={setName} maxLength={200} className="field">
        <Label>Name of person #{group.identityId}</Label>
        <Input />
      </TextField>
      <Button type="submit" className="btn" isDisabled={save.isPending || name.trim() === (group.name ?? '')}>{name.trim() || !group.name ? 'Save name' : 'Remove name'}</Button>
      {save.isError && <Text slot="errorMessage" className={css.error}>{errorText(save.error)}</Text>}
    </Form>
  );
}

function Results({ matches, cameraName, tz }: { matches: Match[]; cameraName: (id: string) => string; tz: string }) {
  const canName = useCan('faces:name');
  const [names, setNames] = useState(new Map<number, string | null>());
  if (matches.length === 0) return <p className={css.muted}>No stored face is similar enough.</p>;
  return (
    <div className={css.groups} data-testid="face-results">
      {groupByIdentity(matches).map((g) => {
        const name = names.has(g.identityId) ? names.get(g.identityId)! : g.name;
        return (
          <section key={g.identityId} className={css.group} aria-label={name ?? `Unnamed person #${g.identityId}`} data-testid="face-group" data-identity-id={g.identityId}>
            <h2>{name ?? `Unnamed person #${g.identityId}`} <span className={css.muted}>best {Math.round(g.best * 100)}% · {g.matches.length} sighting{g.matches.length > 1 ? 's' : ''}</span></h2>
            {canName && <NameIdentity group={{ ...g, name }} onNamed={(n) => setNames(new Map(names).set(g.identityId, n))} />}
            <ul className={css.matches}>
              {g.matches.map((m) => (
                <li key={m.embedding_id} className={css.match}>
                  {m.snapshot_url
                    ? <EvidenceImage src={`${m.snapshot_url}?boxes=0`} alt={`Face seen by ${cameraName(m.camera_id)}`} boxes={m.bbox ? [{ bbox: m.bbox, label: `${Math.round(m.similarity * 100)}%` }] : []} />
                    : <div className={css.noSnapshot}>no snapshot</div>}
                  <p><b data-testid="similarity">{Math.round(m.similarity * 100)}%</b> similar</p>
                  <p className={css.muted}>{cameraName(m.camera_id)} · <time dateTime={new Date(m.seen_at).toISOString()}>{formatDateTime(m.seen_at, tz)}</time></p>
                  {m.event_id !== null && <Link to={`/events/${m.event_id}`}>Open the event</Link>}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

async function firstImage(items: DropItem[]): Promise<File | undefined> {
  for (const item of items) if (isFileDropItem(item) && IMAGE_TYPES.includes(item.type)) return item.getFile();
  return undefined;
}

export default function FacesPage() {
  usePageTitle('Face search');
  const { search, setFilter } = useUrlFilters();
  const tz = useSiteTimezone();
  const cameraName = useCameraName();
  const embedding = search.get('embedding');
  const camera = search.get('camera') ?? undefined;
  const [preview, setPreview] = useState<string | null>(null);

  const byPhoto = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('image', file, file.name);
      return api.post('/api/v1/search/faces', { query: { k: MATCHES, camera }, body: form, schema: photoSearchResponse });
    },
  });
  const byFace = useQuery({
    queryKey: ['faces', 'similar', embedding, camera], enabled: embedding !== null,
    queryFn: () => api.get(`/api/v1/search/faces/${embedding}`, { query: { k: MATCHES, camera }, schema: similarResponse }),
  });

  const choose = (file: File | undefined) => {
    if (!file) return;
    if (preview) URL.revokeObjectURL(preview);
    setPreview(URL.createObjectURL(file));
    if (embedding) setFilter('embedding', '');
    byPhoto.mutate(file);
  };
  const active = embedding !== null ? byFace : byPhoto;

  return (
    <section className={css.page} aria-labelledby="faces-title">
      <h1 id="faces-title">Face search</h1>
      <p className={css.audit} role="note"><ShieldAlert aria-hidden /> Every face search is recorded in the audit log with your name, the time and the filters used.</p>
      <div className={css.controls}>
        <DropZone className={css.drop} aria-label="Drop a photo of a face" getDropOperation={(types) => (IMAGE_TYPES.some((t) => types.has(t)) ? 'copy' : 'cancel')}
          onDrop={(e) => void firstImage(e.items).then(choose)}>
          <Upload aria-hidden />
          <Text slot="label">Drop a photo (JPEG or PNG) here, or</Text>
          <FileTrigger acceptedFileTypes={IMAGE_TYPES} onSelect={(files) => choose(files?.[0])}>
            <Button className="btn btn-primary">Choose a photo</Button>
          </FileTrigger>
        </DropZone>
        <div className={css.camera}><CameraFilter value={camera ?? ''} onChange={(v) => setFilter('camera', v)} label="Only faces seen by" any="any camera" /></div>
        {preview && embedding === null && <img src={preview} alt="The photo searched for" className={css.preview} />}
        {embedding !== null && <p>Faces like stored face #{embedding} (from an event).</p>}
      </div>
      {active.isPending && (embedding !== null || byPhoto.variables) && <p role="status">Searching…</p>}
      {active.isError && <p role="alert" className={css.error}>{errorText(active.error)}</p>}
      {active.data && <Results matches={active.data.matches} cameraName={cameraName} tz={tz} />}
    </section>
  );
}
