/**
 * Builds face verification pairs from the photos scripts/fetch-face-pairs.sh extracts: one image
 * per face (group photos are cut around each detected face, so each file holds one person) and
 * pairs.csv (`file_x,file_y,Decision`). Same = two different photos of Obama (a crop of a photo
 * and that photo are not paired: that would test JPEG noise, not recognition). Different = two
 * faces of one group photo (certainly different people), Obama vs Biden, and either vs a group
 * face. Faces of different group photos are not paired: the same model may appear in two.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { initWasmBackend } from '../src/vision/detectors/tfjs-wasm.ts';
import { FaceBoxes } from '../src/vision/faces/faceboxes.ts';
import { clampRegion } from '../src/vision/frame-input.ts';

const [srcDir, destDir] = process.argv.slice(2);
if (!srcDir || !destDir) throw new Error('usage: build-face-pairs.ts SRC_DIR DEST_DIR');
const images = path.join(destDir, 'images');
await mkdir(images, { recursive: true });

interface Face { file: string; who: string; photo: string }
const faces: Face[] = [];
const portraits: [string, string, string][] = [
  ['obama.jpg', 'obama', 'obama1'], ['obama_partial_face.jpg', 'obama', 'obama1'], ['obama_partial_face2.jpg', 'obama', 'obama1'],
  ['obama2.jpg', 'obama', 'obama2'], ['obama3.jpg', 'obama', 'obama3'], ['biden.jpg', 'biden', 'biden1'],
];
for (const [file, who, photo] of portraits) {
  await writeFile(path.join(images, file), await readFile(path.join(srcDir, file)));
  faces.push({ file, who, photo });
}

await initWasmBackend();
const detector = await FaceBoxes.load();
for (let n = 1; n <= 6; n++) {
  const jpeg = await readFile(path.join(srcDir, `sample${n}.jpg`));
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const found = await detector.detect(data, info.width, info.height, 0.8);
  for (const [i, { box }] of found.entries()) {
    const pad = 0.6 * Math.max(box[2] - box[0], box[3] - box[1]);
    const region = clampRegion([box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad], info.width, info.height)!;
    const file = `sample${n}-face${i + 1}.jpg`;
    await sharp(jpeg).extract(region).jpeg({ quality: 95 }).toFile(path.join(images, file));
    faces.push({ file, who: `sample${n}-person${i + 1}`, photo: `sample${n}` });
  }
}
detector.dispose();

const rows = ['file_x,file_y,Decision'];
const isGroup = (f: Face): boolean => f.photo.startsWith('sample');
for (let i = 0; i < faces.length; i++) {
  for (let j = i + 1; j < faces.length; j++) {
    const [a, b] = [faces[i]!, faces[j]!];
    if (a.photo === b.photo && !isGroup(a)) continue;
    if (isGroup(a) && isGroup(b) && a.photo !== b.photo) continue;
    rows.push(`${a.file},${b.file},${a.who === b.who ? 'Yes' : 'No'}`);
  }
}
await writeFile(path.join(destDir, 'pairs.csv'), `${rows.join('\n')}\n`);
console.error(`${faces.length} faces, ${rows.length - 1} pairs (${rows.filter((r) => r.endsWith(',Yes')).length} same)`);
