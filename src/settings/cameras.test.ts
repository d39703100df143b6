import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { cameraFileEntries, sitesSection } from './cameras.ts';

describe('sitesSection', () => {
  it('exports the stored DVRs and cameras per site in the shape of the config file, without passwords, valid as a config file', () => {
    const config = configSchema.parse({
      sites: [{ id: 'plant', name: 'Plant', timezone: 'Asia/Kolkata', dvrs: [{ id: 'd1', host: '10.0.0.2', password: 'file-secret' }], cameras: [{ id: 'gate', dvr: 'd1', channel: 1 }] }],
    });
    const stored = cameraFileEntries(config).map((e) => ({ ...e, definition: e.definition }));
    stored.push({ kind: 'camera', scope: '', id: 'yard', definition: { site: 'plant', id: 'yard', url: 'rtsp://10.0.0.9/s', password_sealed: 'v1.x', enabled: true, stream: 0, detect: true, substream: false }, yamlHash: '' });
    const out = sitesSection(config).build(stored);
    expect(JSON.stringify(out)).not.toMatch(/file-secret|password/);
    const reparsed = configSchema.parse(out);
    expect(reparsed.sites[0]).toMatchObject({ id: 'plant', name: 'Plant', timezone: 'Asia/Kolkata', dvrs: [{ id: 'd1', host: '10.0.0.2' }] });
    expect(reparsed.sites[0]!.cameras.map((c) => c.id)).toEqual(['gate', 'yard']);
  });
});
