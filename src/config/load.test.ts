import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, resolveConfig } from './load.ts';

const site = (cameras: unknown[], dvrs: unknown[] = [{ id: 'dvr1', host: '192.168.29.200' }]) => ({ sites: [{ id: 'main', dvrs, cameras }] });

describe('config', () => {
  it('applies defaults and builds CP PLUS URLs', () => {
    const c = resolveConfig(site([{ id: 'cam_001', dvr: 'dvr1', channel: 3 }]), 'test.yaml', {}, '/srv');
    expect(c.cameras[0]).toMatchObject({ id: 'cam_001', retentionDays: 7, url: 'rtsp://192.168.29.200:554/user=admin&password=&channel=3&stream=0.sdp?' });
    expect(c.config.recording.segment_seconds).toBe(10);
    expect(c.paths.recordingsDir).toBe('/srv/var/recordings');
    expect(c.config.api).toMatchObject({ host: '127.0.0.1', port: 8080 });
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
});
