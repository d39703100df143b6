import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Loads a model through the registry in a fresh process; answers whether tfjs was loaded there (tfjs-core registers a global engine). */
function loadsTfjs(model: string): boolean {
  const script = `
    const { loadDetector } = await import(${JSON.stringify(new URL('./registry.ts', import.meta.url).href)});
    const detector = await loadDetector(${JSON.stringify(model)}, { classes: ['person'], thresholds: {}, default_threshold: 0.4, nms_iou: 0.5 });
    process.stdout.write(JSON.stringify({ model: detector.model, tfjs: '_tfengine' in globalThis }));
    detector.dispose?.();`;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { model: string; tfjs: boolean };
  expect(out.model).toBe(model);
  return out.tfjs;
}

describe('detector registry', () => {
  it('loads only the chosen model\'s runtime: centernet-onnx without tfjs, centernet with it', () => {
    expect(loadsTfjs('centernet-onnx')).toBe(false);
    expect(loadsTfjs('centernet')).toBe(true);
  }, 120_000);
});
