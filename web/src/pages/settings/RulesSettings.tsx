import { useState, type FormEvent } from 'react';
import type { DryRunResult, RuleObject } from '@contract/settings.ts';
import { SEVERITIES } from '@contract/alerts.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { errorText } from '../../api/client.ts';
import { useCan } from '../../auth/session.tsx';
import { formatTime } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { dryRun, useLines, useObjectMutations, useRules, useZones } from './config/api.ts';
import { CameraPicker, useSelectedCamera } from './config/CameraPicker.tsx';
import css from './config/settings.module.css';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

type RuleType = RuleObject['definition']['type'];
const TYPES: { type: RuleType; label: string }[] = [
  { type: 'loitering', label: 'Loitering' },
  { type: 'crowd', label: 'Crowd' },
  { type: 'zone_enter', label: 'Perimeter: entering a zone' },
  { type: 'line_cross', label: 'Perimeter: crossing a line' },
  { type: 'abandoned_object', label: 'Abandoned object' },
  { type: 'zone_presence', label: 'Presence in a zone' },
  { type: 'zone_exit', label: 'Leaving a zone' },
];
const WITH_SECONDS = new Set<RuleType>(['loitering', 'crowd', 'abandoned_object']);
const DEFAULT_SECONDS: Partial<Record<RuleType, number>> = { loitering: 300, crowd: 10, abandoned_object: 60 };

interface Form {
  id: string; name: string; type: RuleType; zone: string; line: string; seconds: number; maxPeople: number;
  severity: string; alert: boolean; schedule: 'always' | 'night' | 'day' | 'window'; from: string; to: string;
  version: number; params: Record<string, unknown>;
}

const blank: Form = { id: '', name: '', type: 'loitering', zone: '', line: '', seconds: 300, maxPeople: 5, severity: '', alert: true, schedule: 'always', from: '22:00', to: '06:00', version: 0, params: {} };

function formOf(r: RuleObject): Form {
  const d = r.definition;
  const params = d.params as Record<string, unknown>;
  const win = Array.isArray(d.schedule) ? d.schedule[0] : undefined;
  return {
    id: r.id, name: d.name ?? '', type: d.type, zone: 'zone' in d ? d.zone ?? '' : '', line: d.type === 'line_cross' ? d.line : '',
    seconds: typeof params.seconds === 'number' ? params.seconds : DEFAULT_SECONDS[d.type] ?? 0,
    maxPeople: typeof params.max_people === 'number' ? params.max_people : 5,
    severity: d.severity ?? '', alert: d.alert, schedule: win ? 'window' : (d.schedule as Form['schedule']), from: win?.from ?? '22:00', to: win?.to ?? '06:00',
    version: r.version, params,
  };
}

/** The rule definition the API takes, from the form (parameters the form does not show are kept). */
function definitionOf(f: Form): Record<string, unknown> {
  const params: Record<string, unknown> = { ...f.params };
  if (WITH_SECONDS.has(f.type)) params.seconds = f.seconds;
  if (f.type === 'crowd') params.max_people = f.maxPeople;
  const place = f.type === 'line_cross' ? { line: f.line } : f.type === 'abandoned_object' && !f.zone ? {} : { zone: f.zone };
  return {
    type: f.type, ...place, ...(f.name.trim() ? { name: f.name.trim() } : {}), ...(f.severity ? { severity: f.severity } : {}),
    alert: f.alert, schedule: f.schedule === 'window' ? [{ from: f.from, to: f.to }] : f.schedule,
    ...(['zone_enter', 'zone_exit', 'line_cross'].includes(f.type) ? {} : { params }),
  };
}

/** /settings/rules: the rules of the cameras; a draft can be dry-run against the last 24 h before it is saved. */
export default function RulesSettings() {
  usePageTitle('Rules');
  const canEdit = useCan('config:manage');
  const tz = useSiteTimezone();
  const [camera, setCamera] = useSelectedCamera();
  const rules = useRules(camera);
  const zones = useZones(camera);
  const lines = useLines(camera);
  const { save, remove } = useObjectMutations('rules');
  const [form, setForm] = useState<Form>(blank);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [result, setResult] = useState<DryRunResult | null>(null);
  const [running, setRunning] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => { setForm((f) => ({ ...f, [k]: v })); setResult(null); };

  const runDry = async () => {
    if (!camera) return;
    setRunning(true);
    setMessage(null);
    try {
      setResult(await dryRun({ camera, rule: definitionOf(form) as never }));
    } catch (e) {
      setMessage({ ok: false, text: errorText(e) });
    } finally {
      setRunning(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!camera) return;
    save.mutate({ camera, id: form.id.trim(), definition: definitionOf(form), version: form.version }, {
      onSuccess: (r) => { setMessage({ ok: true, text: `Saved rule ${r.id} (version ${r.version}); it applies from the next analysed frame.` }); setForm(formOf(r as RuleObject)); },
      onError: (err) => setMessage({ ok: false, text: errorText(err) }),
    });
  };
  const usesLine = form.type === 'line_cross';
  const places = usesLine ? lines.data?.items ?? [] : zones.data?.items ?? [];

  return (
    <section>
      <h1>Rules</h1>
      <div className={css.toolbar}>
        <CameraPicker camera={camera} onChange={(id) => { setCamera(id); setForm(blank); setResult(null); }} />
        {canEdit && <button type="button" className="btn" onClick={() => { setForm(blank); setResult(null); setMessage(null); }}>New rule</button>}
      </div>
      {camera && canEdit && (
        <form className={`card ${css.form}`} onSubmit={submit} aria-label={form.version ? `Edit rule ${form.id}` : 'New rule'}>
          <div className={css.row}>
            <div className="field">
              <label htmlFor="rule-id">Rule id</label>
              <input id="rule-id" type="text" required pattern="[a-zA-Z0-9_\-]{1,64}" value={form.id} disabled={form.version > 0} onChange={(e) => set('id', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="rule-name">Rule name</label>
              <input id="rule-name" type="text" value={form.name} onChange={(e) => set('name', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="rule-type">Type</label>
              <select id="rule-type" value={form.type} onChange={(e) => { const t = e.target.value as RuleType; setForm((f) => ({ ...f, type: t, seconds: DEFAULT_SECONDS[t] ?? f.seconds, params: {} })); setResult(null); }}>
                {TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-place">{usesLine ? 'Line' : 'Zone'}</label>
              <select id="rule-place" value={usesLine ? form.line : form.zone} onChange={(e) => set(usesLine ? 'line' : 'zone', e.target.value)}>
                <option value="">{form.type === 'abandoned_object' ? 'The whole view' : `Choose a ${usesLine ? 'line' : 'zone'}`}</option>
                {places.map((p) => <option key={p.id} value={p.id}>{p.definition.name ?? p.id}</option>)}
              </select>
            </div>
          </div>
          <div className={css.row}>
            {WITH_SECONDS.has(form.type) && (
              <div className="field">
                <label htmlFor="rule-seconds">Seconds</label>
                <input id="rule-seconds" type="number" min={0} step="any" required value={form.seconds} onChange={(e) => set('seconds', Number(e.target.value))} />
              </div>
            )}
            {form.type === 'crowd' && (
              <div className="field">
                <label htmlFor="rule-max-people">More people than</label>
                <input id="rule-max-people" type="number" min={1} required value={form.maxPeople} onChange={(e) => set('maxPeople', Number(e.target.value))} />
              </div>
            )}
            <div className="field">
              <label htmlFor="rule-severity">Severity</label>
              <select id="rule-severity" value={form.severity} onChange={(e) => set('severity', e.target.value)}>
                <option value="">Computed (zone weight, night)</option>
                {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-schedule">Schedule</label>
              <select id="rule-schedule" value={form.schedule} onChange={(e) => set('schedule', e.target.value as Form['schedule'])}>
                <option value="always">Always</option>
                <option value="night">Night mode only</option>
                <option value="day">Daytime only</option>
                <option value="window">Between two times</option>
              </select>
            </div>
            {form.schedule === 'window' && (<>
              <div className="field"><label htmlFor="rule-from">From</label><input id="rule-from" type="time" value={form.from} onChange={(e) => set('from', e.target.value)} /></div>
              <div className="field"><label htmlFor="rule-to">To</label><input id="rule-to" type="time" value={form.to} onChange={(e) => set('to', e.target.value)} /></div>
            </>)}
            <label className={css.row}><input type="checkbox" checked={form.alert} onChange={(e) => set('alert', e.target.checked)} /> Raise an alert</label>
          </div>
          <div className={css.row}>
            <button type="button" className="btn" onClick={() => void runDry()} disabled={running}>Dry run</button>
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>Save rule</button>
          </div>
          {running && <p role="status">Replaying the last 24 hours…</p>}
          {result && <DryRun result={result} tz={tz} />}
          {message && <p role={message.ok ? 'status' : 'alert'} className={message.ok ? css.ok : css.error}>{message.text}</p>}
        </form>
      )}
      <h2>Rules of this camera</h2>
      <table>
        <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Zone or line</th><th scope="col">Schedule</th><th scope="col">Version</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {(rules.data?.items ?? []).map((r) => {
            const d = r.definition;
            return (
              <tr key={r.id}>
                <td>{r.id}</td><td>{d.name ?? ''}</td><td>{TYPES.find((t) => t.type === d.type)?.label ?? d.type}</td>
                <td>{d.type === 'line_cross' ? d.line : d.zone ?? 'whole view'}</td>
                <td>{Array.isArray(d.schedule) ? d.schedule.map((w) => `${w.from}–${w.to}`).join(', ') : d.schedule}</td><td>{r.version}</td>
                <td>{canEdit && <span className={css.row}>
                  <button type="button" className="btn" onClick={() => { setForm(formOf(r)); setResult(null); setMessage(null); }}>Edit rule {r.id}</button>
                  <ConfirmButton label={`Delete rule ${r.id}`} onConfirm={() => camera && remove.mutate({ camera, id: r.id, version: r.version }, { onError: (e) => setMessage({ ok: false, text: errorText(e) }) })}>Delete</ConfirmButton>
                </span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function DryRun({ result, tz }: { result: DryRunResult; tz: string }) {
  const max = Math.max(1, ...result.per_hour.map((h) => h.count));
  return (
    <div role="status" aria-live="polite" data-testid="dry-run-result">
      <p><strong>Would have fired {result.count} {result.count === 1 ? 'time' : 'times'} in the last 24 hours</strong>
        {' '}({result.frames} analysed frames replayed{result.first_frame ? `, from ${formatTime(result.first_frame, tz)}` : ', none stored yet'}).</p>
      <div className={css.bars} role="img" aria-label={`Fires per hour: ${result.per_hour.map((h) => `${formatTime(h.hour, tz)} ${h.count}`).join(', ')}`}>
        {result.per_hour.map((h) => <span key={String(h.hour)} className={css.bar} style={{ height: `${(h.count / max) * 100}%` }} />)}
      </div>
      {result.times.length > 0 && <p>First times: {result.times.slice(0, 10).map((t) => formatTime(t, tz)).join(', ')}</p>}
    </div>
  );
}
