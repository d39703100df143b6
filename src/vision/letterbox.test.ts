import { describe, expect, it } from 'vitest';
import { letterbox, toSourceBox } from './letterbox.ts';

describe('letterbox', () => {
  it('fits a 960x1080 frame into 512 keeping aspect, centred with padding', () => {
    const lb = letterbox(960, 1080, 512);
    expect(lb).toMatchObject({ width: 455, height: 512, padX: 28, padY: 0 });
  });

  it('maps model-input boxes back to exact 960x1080 source pixels', () => {
    const lb = letterbox(960, 1080, 512);
    // the content's corners and centre
    expect(toSourceBox(lb, [28, 0, 28 + 455, 512])).toEqual([0, 0, 960, 1080]);
    const [x1, y1, x2, y2] = toSourceBox(lb, [28 + 455 / 4, 128, 28 + 455 / 2, 256]);
    expect(x1).toBeCloseTo(240, 9);
    expect(y1).toBeCloseTo(270, 9);
    expect(x2).toBeCloseTo(480, 9);
    expect(y2).toBeCloseTo(540, 9);
  });

  it('clamps boxes that reach into the padding to the frame', () => {
    const lb = letterbox(960, 1080, 512);
    expect(toSourceBox(lb, [0, -10, 520, 600])).toEqual([0, 0, 960, 1080]);
  });

  it('pads vertically for wide frames', () => {
    const lb = letterbox(768, 576, 512);
    expect(lb).toMatchObject({ width: 512, height: 384, padX: 0, padY: 64 });
    expect(toSourceBox(lb, [0, 64, 512, 448])).toEqual([0, 0, 768, 576]);
  });

  it('rejects empty frames', () => {
    expect(() => letterbox(0, 1080, 512)).toThrow(/invalid/);
  });
});
