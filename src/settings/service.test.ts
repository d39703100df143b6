import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesConfigSchema } from '../analytics/rules/schema.ts';
import type { Caller } from '../core/actor.ts';
import type { UseCaseError } from '../core/errors.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/port.ts';
import { configObjectRepo } from '../store/repositories/config-objects.ts';
import { openSettings } from './open.ts';
import { ruleSetEntries, ruleSetOf } from './rules.ts';
import type { ConfigChange, ConfigService } from './service.ts';

const admin: Caller = { kind: 'user', id: 1, name: 'alice', role: 'admin', cameras: null };
const viewer: Caller = { kind: 'user', id: 2, name: 'vic', role: 'viewer', cameras: ['cam_a'] };
const operator: Caller = { kind: 'user', id: 3, name: 'olga', role: 'operator', cameras: null };
const square = [[0, 0], [100, 0], [100, 100], [0, 100]];

const failure = async (p: Promise<unknown>): Promise<UseCaseError> => p.then(() => { throw new Error('expected a failure'); }, (e: UseCaseError) => e);

describe('configuration service (PGlite)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-settings-'));
  let store: Store;
  let settings: ConfigService;
  const changes: ConfigChange[] = [];

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
    settings = openSettings(store, async () => ['cam_a', 'cam_b']);
    settings.onChange((c) => changes.push(c));
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates, versions, lists by scope and deletes, announcing each change', async () => {
    const zone = await settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }, { polygon: square }, 0);
    expect(zone).toMatchObject({ version: 1, updated_by: 'user:alice', definition: { polygon: square, classes: ['person'], inertia: 2, weight: 'normal' } });
    const edited = await settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }, { polygon: square, inertia: 3 }, 1);
    expect(edited.version).toBe(2);
    await settings.put(admin, { kind: 'zone', scope: 'cam_b', id: 'gate' }, { polygon: square });
    expect((await settings.list(admin, 'zone')).map((z) => `${z.scope}/${z.id}`)).toEqual(['cam_a/yard', 'cam_b/gate']);
    expect((await settings.list(admin, 'zone', 'cam_b')).map((z) => z.id)).toEqual(['gate']);
    await settings.remove(admin, { kind: 'zone', scope: 'cam_b', id: 'gate' }, 1);
    expect(changes.map((c) => [c.id, c.version, c.definition === null])).toEqual([['yard', 1, false], ['yard', 2, false], ['gate', 1, false], ['gate', 2, true]]);
    // re-created, it continues its numbering (versions stay unique in its history)
    expect((await settings.put(admin, { kind: 'zone', scope: 'cam_b', id: 'gate' }, { polygon: square })).version).toBe(3);
    const history = await configObjectRepo(store).history({ kind: 'zone', scope: 'cam_b', id: 'gate' });
    expect(history.map((h) => [h.version, h.definition === null, h.changed_by])).toEqual([[3, false, 'user:alice'], [2, true, 'user:alice'], [1, false, 'user:alice']]);
  });

  it('refuses a stale version with a conflict naming both versions', async () => {
    const e = await failure(settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }, { polygon: square }, 1));
    expect(e.failure).toBe('conflict');
    expect(e.message).toMatch(/you sent version 1, it is at version 2/);
    expect((await failure(settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }, { polygon: square }, 0))).failure).toBe('conflict');
    expect((await failure(settings.remove(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }, 7))).failure).toBe('conflict');
  });

  it('refuses bad geometry, unknown references, unknown cameras and deleting what a rule uses', async () => {
    const bowTie = await failure(settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'bad' }, { polygon: [[0, 0], [100, 100], [100, 0], [0, 100]] }));
    expect([bowTie.failure, bowTie.message]).toEqual(['invalid', expect.stringMatching(/zone "bad" of camera cam_a: polygon: .*edges cross/)]);
    expect((await failure(settings.put(admin, { kind: 'zone', scope: 'cam_a', id: 'bad' }, { polygon: [[0, 0], [1, 1]] }))).message).toMatch(/polygon: needs ≥ 3 points/);
    const dangling = await failure(settings.put(admin, { kind: 'rule', scope: 'cam_a', id: 'r1' }, { type: 'loitering', zone: 'nowhere' }));
    expect(dangling.message).toMatch(/camera cam_a has no zone "nowhere" \(zones: yard\)/);
    expect((await failure(settings.put(admin, { kind: 'zone', scope: 'cam_zz', id: 'z' }, { polygon: square }))).failure).toBe('not_found');
    await settings.put(admin, { kind: 'rule', scope: 'cam_a', id: 'r1' }, { type: 'loitering', zone: 'yard', params: { seconds: 10 } });
    const inUse = await failure(settings.remove(admin, { kind: 'zone', scope: 'cam_a', id: 'yard' }));
    expect([inUse.failure, inUse.message]).toEqual(['conflict', expect.stringMatching(/used by rule r1/)]);
  });

  it('lets only admins write, and shows a scoped caller only its cameras', async () => {
    expect((await failure(settings.put(operator, { kind: 'zone', scope: 'cam_a', id: 'z' }, { polygon: square }))).failure).toBe('forbidden');
    expect((await settings.list(viewer, 'zone')).map((z) => z.scope)).toEqual(['cam_a']);
    expect((await failure(settings.get(viewer, { kind: 'zone', scope: 'cam_b', id: 'gate' }))).failure).toBe('not_found');
  });

  it('applies the YAML idempotently: a changed entry wins, an unchanged one keeps the API edit, even a deletion', async () => {
    const yaml = (inertia: number) => rulesConfigSchema.parse({
      cameras: { cam_b: { zones: { dock: { polygon: square, inertia }, lane: { polygon: square } }, rules: { stay: { type: 'zone_presence', zone: 'dock' } } } },
    });
    const first = await settings.applyFile(ruleSetEntries(yaml(2)));
    expect(first.map((k) => `${k.kind}:${k.id}`)).toEqual(['zone:dock', 'zone:lane', 'rule:stay']);
    expect(await settings.applyFile(ruleSetEntries(yaml(2)))).toEqual([]);
    // edits through the API survive an unchanged file
    await settings.put(admin, { kind: 'zone', scope: 'cam_b', id: 'dock' }, { polygon: square, inertia: 9 });
    await settings.remove(admin, { kind: 'zone', scope: 'cam_b', id: 'lane' });
    expect(await settings.applyFile(ruleSetEntries(yaml(2)))).toEqual([]);
    expect((await settings.get(admin, { kind: 'zone', scope: 'cam_b', id: 'dock' })).definition).toMatchObject({ inertia: 9 });
    // the file's entry changed: it wins
    expect((await settings.applyFile(ruleSetEntries(yaml(4)))).map((k) => k.id)).toEqual(['dock']);
    const dock = await settings.get(admin, { kind: 'zone', scope: 'cam_b', id: 'dock' });
    expect([dock.definition, dock.updated_by]).toEqual([expect.objectContaining({ inertia: 4 }), 'system:config-file']);
    await expect(settings.get(admin, { kind: 'zone', scope: 'cam_b', id: 'lane' })).rejects.toMatchObject({ failure: 'not_found' });
  });

  it('assembles the stored objects into the rule set the engine runs', async () => {
    const objects = [...await settings.list(admin, 'zone'), ...await settings.list(admin, 'line'), ...await settings.list(admin, 'rule')];
    const { rules, errors } = ruleSetOf(objects, { night: { from: '22:00', to: '06:00', time_factor: 0.5 }, track_expiry_seconds: 30 });
    expect(errors).toEqual([]);
    expect(Object.keys(rules.cameras.cam_a!.rules)).toEqual(['r1']);
    expect(rules.cameras.cam_b!.rules.stay).toMatchObject({ type: 'zone_presence', zone: 'dock' });
    const dangling = ruleSetOf([{ kind: 'rule', scope: 'cam_c', id: 'x', definition: { type: 'loitering', zone: 'gone' } }], rules);
    expect(dangling.errors).toEqual([{ path: 'cameras.cam_c.rules.x.zone', message: expect.stringMatching(/unknown zone "gone"/) }]);
  });
});
