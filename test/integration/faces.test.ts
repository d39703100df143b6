import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BBox } from '../../src/core/types.ts';
import { runFaceEval } from '../../src/eval/faces-runner.ts';
import { createFaceEmbedder } from '../../src/vision/faces/embedder.ts';
import { BadImageError, NoFaceError, type FaceEmbedder } from '../../src/vision/faces/types.ts';

const run = promisify(execFile);
const FACES = '.cache/faces';
const CLIP = '.cache/samples/vtest.avi';
const haveClip = existsSync(CLIP);
if (!haveClip) console.warn(`skipping vtest face test: ${CLIP} not found (npm run fetch-sample)`);
const havePairs = existsSync(`${FACES}/pairs.csv`);
if (!havePairs) console.warn(`skipping face photo tests: ${FACES}/pairs.csv not found (run scripts/fetch-face-pairs.sh)`);

/** Decoded frame `n` (0-based) of the clip as JPEG. */
async function vtestFrame(n: number): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', CLIP, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '2', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 });
  return stdout;
}

const cosine = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('face pipeline on real images', () => {
  let embedder: FaceEmbedder;
  beforeAll(async () => {
    embedder = await createFaceEmbedder();
  }, 60_000);
  afterAll(() => embedder?.close());

  it.skipIf(!havePairs)('scores two photos of one person above photos of different people', async () => {
    const embed = async (f: string) => (await embedder.embedImage(await readFile(`${FACES}/images/${f}`))).embedding;
    const [o2, o3, biden, other] = await Promise.all(['obama2.jpg', 'obama3.jpg', 'biden.jpg', 'sample1-face1.jpg'].map(embed));
    expect(o2!.length).toBe(embedder.dim);
    const same = cosine(o2!, o3!);
    expect(same).toBeGreaterThan(cosine(o2!, biden!));
    expect(same).toBeGreaterThan(cosine(o3!, biden!));
    expect(same).toBeGreaterThan(cosine(o2!, other!));
  }, 60_000);

  it.skipIf(!havePairs)('verifies the fetched pairs with AUC well above chance', async () => {
    const r = await runFaceEval({ pairs: `${FACES}/pairs.csv`, images: `${FACES}/images`, embedder });
    expect(r).toMatchObject({ embedder: 'faceres', dim: 1024 });
    expect(r.failed).toEqual([]);
    expect(r.auc).toBeGreaterThan(0.9);
  }, 60_000);

  it.skipIf(!haveClip)('a vtest person crop yields a small face or a named no-face reason', async () => {
    const jpeg = await vtestFrame(199);
    // person boxes of that frame (centernet); faces in this overview camera are ~5-12 px
    const people: BBox[] = [[699, 255, 738, 353], [225, 187, 251, 267], [703, 105, 721, 151]];
    let faces = 0;
    for (const box of people) {
      try {
        const face = await embedder.embedFaceInCrop(jpeg, box);
        faces++;
        expect(face.box[1]).toBeGreaterThanOrEqual(box[1] - 10);
        expect(face.box[3]).toBeLessThan(box[1] + 0.5 * (box[3] - box[1]));
        expect(face.quality.sizePx).toBeLessThan(30);
      } catch (err) {
        expect(err).toBeInstanceOf(NoFaceError);
        expect((err as NoFaceError).reason).toMatch(/no face detected|too small/);
      }
    }
    expect(faces).toBeGreaterThan(0);
  }, 60_000);

  it('names bad images and keeps working after them', async () => {
    await expect(embedder.embedImage(new Uint8Array(0))).rejects.toThrow(BadImageError);
    await expect(embedder.embedImage(Buffer.from('not an image at all'))).rejects.toThrow(/not a decodable image/);
    const huge = await sharp({ create: { width: 9000, height: 16, channels: 3, background: '#888' } }).png().toBuffer();
    await expect(embedder.embedImage(huge)).rejects.toThrow(/image too large \(9000x16/);
    const grey = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await expect(embedder.embedImage(grey)).rejects.toThrow(NoFaceError);
    if (havePairs) expect((await embedder.embedImage(await readFile(`${FACES}/images/biden.jpg`))).embedding).toHaveLength(1024);
  }, 60_000);
});
