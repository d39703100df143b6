import { describe, expect, it } from 'vitest';
import { validateRules } from '../analytics/rules/load.ts';
import { samplePlazaPolygon } from '../dvr-sim/sample.ts';
import { resolveConfig } from '../config/load.ts';
import { demoAnalysedChannels, demoConfig, demoRules, DEMO_ANALYSED_CHANNELS } from './demo.ts';

describe('demo rules', () => {
  it('are valid rules on the first two channels, over the plaza of the sample in main-stream pixels', () => {
    const cameras = ['cam_001', 'cam_002', 'cam_003'];
    const { rules, errors } = validateRules(demoRules(cameras), { cameras });
    expect(errors).toEqual([]);
    expect(Object.keys(rules.cameras)).toEqual(['cam_001', 'cam_002']);
    expect(Object.keys(rules.cameras.cam_001!.rules).sort()).toEqual(['plaza_crowd', 'plaza_loitering']);
    expect(rules.cameras.cam_001!.zones.plaza!.polygon).toEqual(samplePlazaPolygon(960, 1080));
  });

  it('scales the plaza from vtest pixels to the frame size', () => {
    expect(samplePlazaPolygon(768, 576)).toEqual([[30, 150], [740, 150], [740, 576], [30, 576]]);
    expect(samplePlazaPolygon(960, 1080)[2]).toEqual([925, 1080]);
  });
});

describe('demo config', () => {
  it('records all channels and analyses only the first ones, keeping the two the demo rules watch', () => {
    const { cameras } = resolveConfig(demoConfig({ simPort: 8554, channels: 8, analysed: demoAnalysedChannels(8), dataDir: '/tmp/demo' }), 'demo');
    expect(cameras.map((c) => c.id)).toHaveLength(8);
    expect(cameras.filter((c) => c.detect).map((c) => c.id)).toEqual(cameras.slice(0, DEMO_ANALYSED_CHANNELS).map((c) => c.id));
    expect(demoAnalysedChannels(8, 1)).toBe(2);
    expect(demoAnalysedChannels(8, 20)).toBe(8);
    expect(demoAnalysedChannels(1, 5)).toBe(1);
  });
});
