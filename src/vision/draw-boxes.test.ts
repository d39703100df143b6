import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { boxColour, drawBoxes } from './draw-boxes.ts';

const W = 320;
const H = 240;
const grey = () => sharp({ create: { width: W, height: H, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();

async function pixels(jpeg: Buffer): Promise<{ at(x: number, y: number): [number, number, number]; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width, height: info.height,
    at: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

const hex = (c: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
const near = (a: readonly number[], b: readonly number[], tol = 40) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe('drawBoxes', () => {
  it('draws each box in its class colour on its edges and leaves the inside and the rest of the frame alone', async () => {
    const out = await drawBoxes(await grey(), [
      { bbox: [100, 80, 200, 200], class: 'person', confidence: 0.87 },
      { bbox: [10, 150, 60, 230], class: 'car', confidence: 0.5 },
    ]);
    const img = await pixels(out);
    expect([img.width, img.height]).toEqual([W, H]);
    const person = hex(boxColour('person'));
    const car = hex(boxColour('car'));
    expect(person).not.toEqual(car);
    // the four edges of the person box (mid-points of left, right and bottom; the top carries the label)
    for (const [x, y] of [[100, 140], [200, 140], [150, 200]] as const) expect(near(img.at(x, y), person), `person edge at ${x},${y}`).toBe(true);
    expect(near(img.at(10, 190), car), 'car left edge').toBe(true);
    expect(near(img.at(150, 140), [128, 128, 128], 12), 'inside the box').toBe(true);
    expect(near(img.at(280, 40), [128, 128, 128], 12), 'outside every box').toBe(true);
    // the label sits above the box in the box colour (its background), with white text in it
    const label = Array.from({ length: 60 }, (_, i) => img.at(102 + i, 70));
    expect(label.filter((p) => near(p, person)).length).toBeGreaterThan(10);
    expect(label.some((p) => p.every((v) => v > 200))).toBe(true);
  });

  it('keeps a box on the frame when it touches the edges (label inside at the top)', async () => {
    const img = await pixels(await drawBoxes(await grey(), [{ bbox: [-20, 0, 100, 300], class: 'person', confidence: 0.6 }]));
    const person = hex(boxColour('person'));
    expect(near(img.at(100, 200), person), 'right edge').toBe(true);
    expect(near(img.at(0, 200), person), 'left edge, clamped to the frame').toBe(true);
    const labelRow = Array.from({ length: 40 }, (_, i) => img.at(i, 2));
    expect(labelRow.filter((p) => near(p, person)).length, 'label inside the box at the top').toBeGreaterThan(10);
  });

  it('returns the snapshot unchanged when there is no box', async () => {
    const jpeg = await grey();
    expect(await drawBoxes(jpeg, [])).toBe(jpeg);
  });

  it('escapes labels (a class name cannot break the overlay)', async () => {
    const out = await drawBoxes(await grey(), [{ bbox: [50, 50, 150, 150], class: '<b>&"x', confidence: 0.9 }]);
    expect(near((await pixels(out)).at(50, 100), hex(boxColour('other')))).toBe(true);
  });
});
