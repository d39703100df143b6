import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact } from '../core/redact.ts';
import { ConfigError, credentialsHint, dvrsWithoutPassword, loadConfigFile, resolveConfig } from './load.ts';

const site = (cameras: unknown[], dvrs: unknown[] = [{ id: 'dvr1', host: '192.168.29.200' }]) => ({ sites: [{ id: 'main', dvrs, cameras }] });

describe('config', () => {
  it('applies defaults and builds CP PLUS URLs', () => {
    const c = resolveConfig(site([{ id: 'cam_001', dvr: 'dvr1', channel: 3 }]), 'test.yaml', {}, '/srv');
    expect(c.cameras[0]).toMatchObject({ id: 'cam_001', retentionDays: 7, url: 'rtsp://192.168.29.200:554/user=admin&password=&channel=3&stream=0.sdp?' });
    expect(c.config.recording.segment_seconds).toBe(10);
    expect(c.paths.recordingsDir).toBe('/srv/var/recordings');
    expect(c.config.api).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.cameras[0]!.timezone).toBe('UTC');
  });

  it('gives each camera its site\'s time zone and refuses a zone that does not exist', () => {
    const zoned = { sites: [{ ...site([{ id: 'c1', dvr: 'dvr1', channel: 1 }]).sites[0], timezone: 'Asia/Kolkata' }] };
    expect(resolveConfig(zoned, 't').cameras[0]!.timezone).toBe('Asia/Kolkata');
    expect(() => resolveConfig({ sites: [{ ...zoned.sites[0], timezone: 'Mars/Olympus' }] }, 't')).toThrow(/sites\[0\]\.timezone: is not an IANA time zone/);
  });

  it('takes secrets from VIGIL_ env and _FILE, never from the YAML alone', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cfg-'));
    writeFileSync(path.join(dir, 'pw'), 'fromfile\n');
    const a = resolveConfig(site([{ id: 'c1', dvr: 'dvr1', channel: 1 }]), 't', { VIGIL_DVR_DVR1_PASSWORD: 'fromenv' });
    expect(a.cameras[0]!.url).toContain('password=fromenv&');
    const b = resolveConfig(site([{ id: 'c1', dvr: 'dvr1', channel: 1 }]), 't', { VIGIL_DVR_DVR1_PASSWORD_FILE: path.join(dir, 'pw') });
    expect(b.cameras[0]!.url).toContain('password=fromfile&');
  });

  it('errors name the bad key and value', () => {
    expect(() => resolveConfig({ recording: { retention_days: -1 } }, 'vigil.yaml')).toThrow(/recording\.retention_days: .*got -1/);
    expect(() => resolveConfig({ recordng: {} }, 'vigil.yaml')).toThrow(/recordng/);
    expect(() => resolveConfig(site([{ id: 'bad id!', dvr: 'dvr1', channel: 1 }]), 'v.yaml')).toThrow(/sites\[0\]\.cameras\[0\]\.id: .*got "bad id!"/);
    expect(() => resolveConfig(site([{ id: 'c1', dvr: 'nope', channel: 1 }]), 'v.yaml')).toThrow(/cameras\[0\]\.dvr: no DVR .*"nope"/);
    expect(() => resolveConfig(site([{ id: 'c1', dvr: 'dvr1', channel: 1 }, { id: 'c1', dvr: 'dvr1', channel: 2 }]), 'v.yaml')).toThrow(/duplicate camera id/);
    expect(() => resolveConfig(site([{ id: 'c1' }]), 'v.yaml')).toThrow(/either url, or dvr and channel/);
    expect(() => resolveConfig({}, 'v', { VIGIL_API_PORT: 'http' })).toThrow(/VIGIL_API_PORT/);
  });

  it('never puts a password into an error', () => {
    try {
      resolveConfig(site([{ id: 'c1', url: 'http://admin:Zebra99@h/' }]), 'v.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain('Zebra99');
    }
  });

  it('reports unreadable files and bad YAML clearly', () => {
    expect(() => loadConfigFile('/nonexistent/vigil.yaml')).toThrow(/cannot read config file \/nonexistent\/vigil.yaml: ENOENT/);
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cfg-'));
    writeFileSync(path.join(dir, 'v.yaml'), 'sites: [\n');
    expect(() => loadConfigFile(path.join(dir, 'v.yaml'))).toThrow(/not valid YAML/);
  });

  it('reports every problem at once: schema, references and secrets, each with its path', () => {
    const raw = {
      recording: { retention_days: -1 },
      recordng: {},
      sites: [{
        id: 'main',
        dvrs: [{ id: 'dvr1', host: '192.168.29.200' }, { id: 'dvr2', host: '' }],
        cameras: [
          { id: 'c1', dvr: 'dvr1', channel: 1 },
          { id: 'c1', dvr: 'dvr1', channel: 2 },
          { id: 'c3', dvr: 'nope', channel: 3 },
          { id: 'c4', dvr: 'dvr2', channel: 4 },
          { id: 'c5', dvr: 'dvr1', channel: 99 },
        ],
      }],
    };
    let message = '';
    try {
      resolveConfig(raw, 'vigil.yaml', { VIGIL_DVR_DVR1_PASSWORD_FILE: '/nonexistent/pw', VIGIL_API_PORT: 'http' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('invalid configuration in vigil.yaml (8 problems):');
    expect(lines.slice(1)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ {2}recording\.retention_days: .*got -1$/),
      expect.stringMatching(/^ {2}\(root\): .*\(recordng\)$/),
      expect.stringMatching(/^ {2}sites\[0\]\.dvrs\[1\]\.host: .*got ""$/),
      expect.stringMatching(/^ {2}sites\[0\]\.cameras\[4\]\.channel: .*got 99$/),
      '  VIGIL_DVR_DVR1_PASSWORD_FILE: cannot read /nonexistent/pw: ENOENT: no such file or directory, open \'/nonexistent/pw\'',
      '  sites[0].cameras[1].id: duplicate camera id (also sites[0].cameras[0]); got "c1"',
      '  sites[0].cameras[2].dvr: no DVR with this id in sites[0].dvrs; got "nope"',
      '  VIGIL_API_PORT: must be a port number; got "http"',
    ]));
    // c4's DVR is invalid itself: that line is enough, no "no DVR" line for it
    expect(message).not.toContain('cameras[3]');
    expect(lines).toHaveLength(9);
  });

  it('names the variable of each used DVR that has no password, and of a camera whose source answers 401', () => {
    const dvrs = [{ id: 'dvr1', host: 'a' }, { id: 'dvr2', host: 'b' }, { id: 'spare', host: 'c' }];
    const loaded = resolveConfig(site([{ id: 'c1', dvr: 'dvr1', channel: 1 }, { id: 'c2', dvr: 'dvr2', channel: 1 }, { id: 'c9', url: 'rtsp://h/s' }], dvrs), 'v.yaml', { VIGIL_DVR_DVR2_PASSWORD: 'x' });
    const warnings = dvrsWithoutPassword(loaded);
    expect(warnings).toEqual([{ dvrId: 'dvr1', message: 'dvr dvr1 has no password (set VIGIL_DVR_DVR1_PASSWORD or VIGIL_DVR_DVR1_PASSWORD_FILE; ignore this if the DVR has none)' }]);
    const hints = [credentialsHint(loaded.cameras[0]!), credentialsHint(loaded.cameras[2]!)];
    expect(hints).toEqual(["check dvr dvr1's username and password (VIGIL_DVR_DVR1_PASSWORD or VIGIL_DVR_DVR1_PASSWORD_FILE)", "check the user and password in camera c9's url (or VIGIL_CAMERA_C9_URL)"]);
    // every log line is redacted: the advice must survive it
    for (const text of [warnings[0]!.message, ...hints]) expect(redact(text)).toBe(text);
  });
});
