import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAlarmCommand } from './local-alarm.ts';
import { alertMessage } from './test-helpers.ts';

describe('local alarm command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alarm-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the argv without a shell, with the alert as env vars and JSON on stdin', async () => {
    const out = path.join(dir, 'alarm.txt');
    const m = alertMessage({ title: 'Person in "Yard"; $(rm -rf /)' });
    await runAlarmCommand(['/bin/sh', '-c', 'printf "%s|%s|" "$VIGIL_ALERT_ID" "$VIGIL_ALERT_TITLE" > "$0"; cat >> "$0"', out], m, 5000);
    const [id, title, json] = fs.readFileSync(out, 'utf8').split('|');
    expect(id).toBe(String(m.alert_id));
    expect(title).toBe(m.title);
    expect(JSON.parse(json!)).toEqual(m);
  });

  it('fails with the exit code and stderr, a missing program, or the timeout', async () => {
    const m = alertMessage();
    await expect(runAlarmCommand(['/bin/sh', '-c', 'echo relay busy >&2; exit 3'], m, 5000)).rejects.toThrow('local alarm /bin/sh: exit code 3: relay busy');
    await expect(runAlarmCommand([path.join(dir, 'no-such-relay')], m, 5000)).rejects.toThrow(/no-such-relay: spawn .* ENOENT/);
    await expect(runAlarmCommand(['/bin/sleep', '10'], m, 200)).rejects.toThrow('killed by SIGKILL (timeout 200 ms)');
  });
});
