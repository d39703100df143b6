import { spawn } from 'node:child_process';
import type { AlertMessage } from '../core/types.ts';
import type { Deliver } from './dispatcher.ts';

/** The alert as environment variables for a relay/buzzer script (also given as JSON on stdin). */
export function alarmEnv(a: AlertMessage): Record<string, string> {
  return {
    VIGIL_ALERT_ID: String(a.alert_id), VIGIL_ALERT_KIND: a.kind, VIGIL_ALERT_SEVERITY: a.severity, VIGIL_ALERT_CAMERA: a.camera_id,
    VIGIL_ALERT_RULE: a.rule_id, VIGIL_ALERT_RULE_TYPE: a.rule_type, VIGIL_ALERT_TITLE: a.title, VIGIL_ALERT_AT: a.at,
    VIGIL_ALERT_NIGHT: a.night ? '1' : '0', VIGIL_ALERT_URL: a.event_url,
  };
}

/** Runs the command once (argv, no shell); rejects on a non-zero exit, a spawn error or the timeout. */
export function runAlarmCommand(command: readonly string[], alert: AlertMessage, timeoutMs: number): Promise<void> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { env: { ...process.env, ...alarmEnv(alert) }, stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-500);
    });
    // a command that does not read stdin must not fail the alarm
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(alert));
    child.on('error', (e) => reject(new Error(`local alarm ${file}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else if (signal) reject(new Error(`local alarm ${file}: killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}`));
      else reject(new Error(`local alarm ${file}: exit code ${code}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

export const localAlarmSender = (command: readonly string[], timeoutMs: number): Deliver => (d) => runAlarmCommand(command, d.message, timeoutMs);
