import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatRuleError, loadRules, openConfiguredRules, RulesFileError, validateRules, watchRules, type LoadedRules } from './load.ts';
import { rulesConfigSchema } from './schema.ts';

const GOOD = `
night: { from: "23:00", to: "05:00" }
cameras:
  cam_001:
    zones:
      plaza: { name: Plaza, polygon: [[100, 100], [500, 100], [500, 500]] }
      bad: { polygon: [[0, 0], [10, 10]] }
    lines:
      gate: { points: [[0, 600], [960, 600]], direction: a_to_b }
    rules:
      loiter: { type: loitering, zone: plaza, params: { seconds: 10 } }
      typo: { type: zone_enter, zone: plazza }
      on_bad: { type: zone_enter, zone: bad }
      breach: { type: line_cross, line: gate, severity: critical }
      nonsense: { type: teleport, zone: plaza }
`;

const errorsOf = (l: LoadedRules) => l.errors.map(formatRuleError);

describe('validateRules: per-item validation', () => {
  it('rejects each bad zone or rule with its path; the valid ones load', () => {
    const l = validateRules(parseYaml(GOOD));
    expect(Object.keys(l.rules.cameras.cam_001!.rules).sort()).toEqual(['breach', 'loiter']);
    expect(Object.keys(l.rules.cameras.cam_001!.zones)).toEqual(['plaza']);
    expect(l.rules.night.from).toBe('23:00');
    const errs = errorsOf(l);
    expect(errs).toContain('cameras.cam_001.zones.bad.polygon: needs ≥ 3 points');
    expect(errs).toContainEqual(expect.stringMatching(/^cameras\.cam_001\.rules\.typo\.zone: unknown zone "plazza" \(zones: plaza\)$/));
    expect(errs).toContain('cameras.cam_001.rules.on_bad.zone: zone "bad" is invalid (see its error)');
    expect(errs).toContainEqual(expect.stringMatching(/^cameras\.cam_001\.rules\.nonsense\.type: /));
    expect(errs).toHaveLength(4);
  });

  it('unknown cameras, unknown keys and bad ids are errors, not crashes', () => {
    const l = validateRules({ cameras: { cam_x: { rules: {} }, cam_001: { zonez: {}, zones: { 'bad id!': { polygon: [[0, 0], [1, 0], [0, 1]] } } } } }, { cameras: ['cam_001'] });
    expect(errorsOf(l)).toEqual([
      'cameras.cam_x: unknown camera "cam_x" (not in the configuration)',
      'cameras.cam_001.zonez: unknown key (expected zones, lines, rules)',
      expect.stringMatching(/^cameras\.cam_001\.zones\.bad id!: bad id/),
    ]);
  });

  it('the whole document is rejected when it is not a mapping or its night section is bad', () => {
    expect(() => validateRules(['a'])).toThrow(RulesFileError);
    expect(() => validateRules({ night: { from: '25:00' } })).toThrow(/night\.from: a time of day as HH:MM/);
    expect(() => validateRules({ cameras: [1] })).toThrow(/cameras: must be a mapping/);
  });

  it('merges onto a base: the file wins per id, night falls back to the base', () => {
    const base = rulesConfigSchema.parse({ night: { from: '21:00' }, cameras: { cam_001: { zones: { door: { polygon: [[0, 0], [9, 0], [0, 9]] } }, rules: { d: { type: 'zone_enter', zone: 'door' } } } } });
    const { file: _f, reload: _r, ...inline } = base;
    const l = validateRules({ cameras: { cam_001: { rules: { d2: { type: 'zone_exit', zone: 'door' } } } } }, { base: inline });
    expect(l.errors).toEqual([]);
    expect(Object.keys(l.rules.cameras.cam_001!.rules)).toEqual(['d', 'd2']);
    expect(l.rules.night.from).toBe('21:00');
    expect(Object.keys(base.cameras.cam_001!.rules)).toEqual(['d']); // base untouched
  });

  it('the config schema names the path of a bad inline rule', () => {
    const r = rulesConfigSchema.safeParse({ cameras: { cam_001: { zones: {}, rules: { r: { type: 'crowd', zone: 'nope' } } } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['cameras.cam_001.rules.r.zone: unknown zone "nope" (zones: none)']);
  });
});

describe('rules files', () => {
  let dir: string;
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const tmp = () => (dir = mkdtempSync(path.join(tmpdir(), 'vigil-rules-')));

  it('malformed YAML names the file', () => {
    const f = path.join(tmp(), 'rules.yaml');
    writeFileSync(f, 'cameras: { cam_001: [\n');
    expect(() => loadRules(f)).toThrow(new RegExp(`rules file ${f.replace(/[.]/g, '\\.')} is not valid YAML`));
    expect(() => loadRules(path.join(dir, 'missing.yaml'))).toThrow(/cannot read rules file .*ENOENT/);
  });

  it('watchRules: an edit reloads, a malformed edit reports and keeps the previous rules, an editor-style replace is seen', async () => {
    const f = path.join(tmp(), 'rules.yaml');
    writeFileSync(f, GOOD);
    let current = loadRules(f);
    const errors: Error[] = [];
    let changes = 0;
    const w = watchRules(f, (l) => { current = l; changes++; }, (e) => errors.push(e), { debounceMs: 20 });
    closers.push(() => w.close());
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(cond()).toBe(true);
    };

    writeFileSync(f, 'cameras: [unclosed\n');
    await until(() => errors.length === 1);
    expect(errors[0]!.message).toMatch(/not valid YAML/);
    expect(Object.keys(current.rules.cameras.cam_001!.rules)).toContain('loiter');

    writeFileSync(`${f}.tmp`, GOOD.replace('seconds: 10', 'seconds: 20'));
    renameSync(`${f}.tmp`, f);
    await until(() => changes === 1);
    expect(current.rules.cameras.cam_001!.rules.loiter).toMatchObject({ params: { seconds: 20 } });
  });

  it('openConfiguredRules: inline rules plus the file relative to the config directory', () => {
    writeFileSync(path.join(tmp(), 'rules.yaml'), GOOD);
    const cfg = rulesConfigSchema.parse({ file: 'rules.yaml', reload: false, cameras: { cam_002: { zones: { z: { polygon: [[0, 0], [9, 0], [0, 9]] } }, rules: { p: { type: 'zone_presence', zone: 'z' } } } } });
    const r = openConfiguredRules(cfg, { configDir: dir, onChange: () => {}, onError: () => {} });
    closers.push(() => r.close());
    expect(Object.keys(r.rules.cameras).sort()).toEqual(['cam_001', 'cam_002']);
    expect(r.errors).toHaveLength(4);
  });
});
