import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { clampRegion, decodeFrame, prepareModelInput } from './frame-input.ts';

const jpeg = (w: number, h: number): Promise<Buffer> => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();

describe('prepareModelInput', () => {
  it('letterboxes the whole frame', async () => {
    const input = await prepareModelInput(await jpeg(200, 100), 64);
    expect(input).toMatchObject({ offsetX: 0, offsetY: 0, frameWidth: 200, frameHeight: 100, lb: { width: 64, height: 32, padY: 16 } });
    expect(input.rgb.length).toBe(64 * 64 * 3);
    expect(input.rgb[0]).toBe(0); // top padding is black
    expect(input.rgb[(32 * 64 + 32) * 3]).toBeGreaterThan(150); // centre is the red image
  });

  it('crops a region and reports its offset', async () => {
    const input = await prepareModelInput(await jpeg(200, 100), 64, [50, 20, 90, 60]);
    expect(input).toMatchObject({ offsetX: 50, offsetY: 20, frameWidth: 200, lb: { srcWidth: 40, srcHeight: 40, width: 64, height: 64 } });
  });

  it('gives a frame decoded once the same input as its JPEG', async () => {
    const image = await jpeg(200, 100);
    const decoded = await decodeFrame(image);
    expect(decoded).toMatchObject({ width: 200, height: 100 });
    const fromJpeg = await prepareModelInput(image, 64, [50, 20, 90, 60]);
    const fromDecoded = await prepareModelInput(decoded, 64, [50, 20, 90, 60]);
    expect(fromDecoded).toEqual(fromJpeg);
    await expect(decodeFrame(Buffer.from('not a jpeg'))).rejects.toThrow(/not a decodable image/);
  });

  it('names the cause of bad frames', async () => {
    await expect(prepareModelInput(Buffer.alloc(0), 64)).rejects.toThrow(/empty image \(0 bytes\)/);
    await expect(prepareModelInput(Buffer.from('not a jpeg'), 64)).rejects.toThrow(/not a decodable image/);
    const huge = await sharp({ create: { width: 9000, height: 16, channels: 3, background: 'black' } }).jpeg().toBuffer();
    await expect(prepareModelInput(huge, 64)).rejects.toThrow(/image too large \(9000x16/);
  });
});

describe('clampRegion', () => {
  it('clamps to the frame and rejects empty crops', () => {
    expect(clampRegion([-10, -5, 50.5, 40.2], 40, 30)).toEqual({ left: 0, top: 0, width: 40, height: 30 });
    expect(clampRegion([100, 100, 120, 120], 40, 30)).toBeUndefined();
  });
});
