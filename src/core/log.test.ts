import { Transform } from 'node:stream';
import { isatty } from 'node:tty';
import { prettyFactory } from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { createLogger, logDestination, PRETTY_OPTIONS } from './log.ts';
import { registerSecret } from './redact.ts';

/** JSON lines a logger writes, parsed. */
function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

describe('log', () => {
  it('JSON: one object per line, with its component once and secrets redacted', () => {
    const out = capture();
    registerSecret('Zebra99');
    const log = createLogger('info', out.stream).child({ component: 'camera-worker', camera_id: 'cam_001' });
    log.warn({ retry_in_ms: 2000 }, 'rtsp://admin:Zebra99@dvr/ refused');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, component: 'camera-worker', camera_id: 'cam_001', retry_in_ms: 2000 });
    expect(out.lines[0]).not.toContain('Zebra99');
    // ffmpeg's argv as the camera worker logs it at debug: the DVR password is in its input URL
    const debug = createLogger('debug', out.stream);
    debug.debug({ args: ['-rtsp_transport', 'tcp', '-i', 'rtsp://10.0.0.5:554/user=admin&password=Unregistered42&channel=1&stream=0.sdp?'] }, 'starting ffmpeg');
    expect(out.lines[1]).toContain('password=***');
    expect(out.lines[1]).not.toContain('Unregistered42');
  });

  it('terminal: local time, level, component and camera first, the other fields on the same line', () => {
    const time = Date.UTC(2026, 11, 7, 1, 2, 3, 45);
    const line = prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(JSON.stringify({ level: 40, time, component: 'camera-worker', camera_id: 'cam_001', retry_in_ms: 2000, msg: 'DVR unreachable' }));
    const local = new Date(time);
    const hhmmss = [local.getHours(), local.getMinutes(), local.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    expect(line).toBe(`[${hhmmss}.045] WARN: camera-worker cam_001: DVR unreachable {"retry_in_ms":2000}\n`);
    expect(prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(JSON.stringify({ level: 40, time, component: 'camera-worker', camera_id: 'cam_001', msg: 'camera cam_001 (Gate): DVR unreachable' }))).toBe(`[${hhmmss}.045] WARN: camera-worker camera cam_001 (Gate): DVR unreachable\n`);
    // without a component or camera, just the message
    expect(prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(JSON.stringify({ level: 30, time, msg: 'Vigil is running' }))).toBe(`[${hhmmss}.045] INFO: Vigil is running\n`);
  });

  it('pretty on a terminal, JSON into a pipe or file, VIGIL_LOG_FORMAT overrides', () => {
    expect(logDestination({}) instanceof Transform).toBe(isatty(1));
    expect(logDestination({ VIGIL_LOG_STDERR: '1' }) instanceof Transform).toBe(isatty(2));
    expect(logDestination({ VIGIL_LOG_FORMAT: 'pretty' })).toBeInstanceOf(Transform);
    expect(logDestination({ VIGIL_LOG_FORMAT: 'json' })).not.toBeInstanceOf(Transform);
  });
});
