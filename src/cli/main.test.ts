import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../core/cli-args.ts';
import { spec as audit } from './audit.ts';
import { spec as bench } from './bench.ts';
import { spec as docs } from './docs.ts';
import { spec as dvrSim } from './dvr-sim.ts';
import { spec as evalSpec } from './eval.ts';
import { spec as fetchSample } from './fetch-sample.ts';
import { spec as run } from './run.ts';
import { vigil } from './test-helpers.ts';
import { spec as vapidKeys } from './vapid-keys.ts';

const SPECS: CommandSpec[] = [run, dvrSim, fetchSample, evalSpec, bench, vapidKeys, docs, audit];

describe('vigil CLI', () => {
  it('vigil --help lists every command with its summary', async () => {
    const r = await vigil('--help');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    for (const s of SPECS) expect(lines.some((l) => l.startsWith(`${s.name} `) && l.endsWith(s.summary)), s.name).toBe(true);
    expect(r.stdout).toMatch(/^usage: vigil <command>/);
  });

  it('vigil <command> --help prints the usage and every option on stdout, and starts nothing', async () => {
    const runs = await Promise.all(SPECS.map((s) => vigil(s.name, '--help')));
    runs.forEach((r, i) => {
      const s = SPECS[i]!;
      expect(r.code, `${s.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: vigil ${s.name} `));
      for (const option of Object.keys(s.options)) expect(r.stdout, s.name).toContain(`--${option}`);
      expect(r.stdout).toContain('-h, --help');
      // no logger line: nothing ran
      expect(r.stdout).not.toContain('"level"');
    });
  });

  it('an unknown option is an error naming it, with the usage, exit 2', async () => {
    const runs = await Promise.all(SPECS.map((s) => vigil(s.name, '--no-such-flag')));
    runs.forEach((r, i) => {
      expect(r.code, SPECS[i]!.name).toBe(2);
      expect(r.stderr).toContain(`vigil ${SPECS[i]!.name}: unknown option '--no-such-flag'`);
      expect(r.stderr).toContain(`usage: vigil ${SPECS[i]!.name}`);
    });
  });

  it('an unknown command or a bad option value exits 2 and says which', async () => {
    const [unknown, roles] = await Promise.all([vigil('record'), vigil('run', '--roles', 'edge,recorder')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("vigil: unknown command 'record'");
    expect(unknown.stderr).toContain('dvr-sim');
    expect(roles.code).toBe(2);
    expect(roles.stderr).toContain("unknown role 'recorder'");
  });
});
