import { describe, expect, it } from 'vitest';
import { validateRules } from '../analytics/rules/load.ts';
import { samplePlazaPolygon } from '../dvr-sim/sample.ts';
import { demoRules } from './demo.ts';

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
